import { Pool } from '../cluster/pool.js';
import type { PoolOptions } from '../config/cluster-options.js';
import { describe } from '../config/validate.js';
import { ConfigError } from '../errors.js';

/**
 * Where an ORM adapter gets its picots {@link Pool}: one the application already has (`{ pool }`, which the
 * adapter never closes: the application owns it), or options for a new one (`{ dsn, ...poolOptions }`,
 * which the adapter closes when it is destroyed).
 */
export type PoolSource = { pool: Pool } | PoolOptions;

/** A pool and whether the adapter made it (and so must close it). */
export interface OwnedPool {
  readonly pool: Pool;
  readonly owned: boolean;
}

/**
 * Resolves a {@link PoolSource}: the given pool, or a new one built (and validated) from the options.
 * Throws a ConfigError naming `what` when the argument is neither.
 *
 * @example
 * ```ts
 * const { pool, owned } = poolFrom('PicodataDialect', { dsn: 'postgresql://app:Secret123@10.0.0.1:4327' });
 * ```
 */
export function poolFrom(what: string, source: unknown): OwnedPool {
  if (source === null || typeof source !== 'object') {
    throw new ConfigError(what, `takes { pool } (a picots Pool) or { dsn, ...poolOptions }, got ${describe(source)}`);
  }
  if ('pool' in source) {
    const { pool, ...rest } = source as { pool: unknown };
    if (!(pool instanceof Pool)) throw new ConfigError('pool', `must be a picots Pool, got ${describe(pool)}`);
    const extra = Object.keys(rest);
    if (extra.length > 0) {
      throw new ConfigError(extra[0]!, `${what} takes either { pool } or pool options, not both: configure the Pool you pass`);
    }
    return { pool, owned: false };
  }
  return { pool: new Pool(source as PoolOptions), owned: true };
}
