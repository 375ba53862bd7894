import { PostgresQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import type { Pool } from '../cluster/pool.js';
import type { PoolOptions } from '../config/cluster-options.js';
import { PicodataAdapter } from './picodata-adapter.js';
import { PicodataDriver } from './picodata-driver.js';
import { PicodataIntrospector } from './picodata-introspector.js';
import { poolFrom } from './pool-source.js';

/**
 * What {@link PicodataDialect} runs on: the application's picots Pool (`{ pool }`; `db.destroy()` leaves it
 * open, the application closes it), or pool options (`{ dsn, ...poolOptions }`; the dialect makes the pool
 * and `db.destroy()` closes it).
 */
export type PicodataDialectConfig = {
  /** The application's pool; the dialect never closes it. */
  pool: Pool;
} | PoolOptions;

/**
 * A Kysely dialect for Picodata over a picots {@link Pool}.
 *
 * - Statements are pipelined on the pool's shared sessions and balanced over the cluster's instances; they
 *   never hold a session each.
 * - Selects are sent as `readOnly`, so one that fails after it was sent is retried on another instance.
 *   Writes are not retried unless picots can prove they never reached the server; otherwise they fail with
 *   an `OutcomeUnknownError`.
 * - Results carry `numAffectedRows` for inserts, updates and deletes.
 * - `db.transaction()` and `db.startTransaction()` reject with a `NoTransactionsError`: Picodata has no
 *   transactions (see {@link PicodataAdapter} for migrations).
 * - `stream()` works, but the whole result is read first (Picodata builds it whole anyway).
 * - SQL is PostgreSQL's (Kysely's PostgreSQL query compiler): use what Picodata's SQL supports.
 *
 * @example
 * ```ts
 * import { Kysely } from 'kysely';
 * import { Pool } from 'picots';
 * import { PicodataDialect } from 'picots/kysely';
 *
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', enableDiscovery: true });
 * const db = new Kysely<Database>({ dialect: new PicodataDialect({ pool }) });
 * const people = await db.selectFrom('person').select(['id', 'name']).where('id', 'in', [1, 2]).execute();
 * await db.destroy();
 * await pool.close();
 * ```
 */
export class PicodataDialect implements Dialect {
  readonly #pool: Pool;
  readonly #owned: boolean;

  /**
   * @throws {ConfigError} when `config` is neither `{ pool }` with a picots Pool nor valid pool options.
   */
  constructor(config: PicodataDialectConfig) {
    const { pool, owned } = poolFrom('PicodataDialect', config);
    this.#pool = pool;
    this.#owned = owned;
  }

  /** The picots pool the dialect runs on (for `pool.stats()`, events, or plain picots queries). */
  get pool(): Pool {
    return this.#pool;
  }

  createDriver(): Driver {
    return new PicodataDriver(this.#pool, this.#owned);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PicodataAdapter();
  }

  /** Lists tables from Picodata's `_pico_table` (the app user needs READ on it), for Kysely's Migrator. */
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PicodataIntrospector(db);
  }
}
