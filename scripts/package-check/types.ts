// Type-checked by scripts/check-package.ts against the installed declarations (ESM resolution).
import { ConfigError, PicotsError, Pool, type PoolStats } from 'picots';
import { ResourcePool, type ResourcePoolOptions } from 'picots/resource-pool';
import { StandInError, startStandIn, type StandIn } from 'picots/testkit';
import { PicodataDialect, type PicodataDialectConfig } from 'picots/kysely';

const options: ResourcePoolOptions<{ n: number }> = { create: async () => ({ n: 1 }), destroy: () => {} };
const resources = new ResourcePool(options);
// The stats type of the generic pool is the one the main entry names.
const stats: PoolStats = resources.stats();

const errors: PicotsError[] = [new StandInError('stand-in'), new ConfigError('maxSize', 'expected a number')];

const pool = new Pool({ dsn: 'postgresql://app:pw@127.0.0.1:4327', maxSize: 4 });
const rows: Promise<Array<{ one: number }>> = pool.fetch<{ one: number }>('SELECT 1 AS one');
const standIn: Promise<StandIn> = startStandIn({ instances: 1 });

// picots/kysely takes the main entry's Pool (one declaration of it, shared by both entries).
const dialectConfig: PicodataDialectConfig = { pool };
const dialect: Pool = new PicodataDialect(dialectConfig).pool;

export { dialect, errors, rows, standIn, stats };
