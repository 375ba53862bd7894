import { DefaultLogger, createTableRelationsHelpers, entityKind, extractTablesRelationalConfig, type DrizzleConfig, type Logger, type RelationalSchemaConfig, type TablesRelationalConfig } from 'drizzle-orm';
import { PgDatabase, PgDialect } from 'drizzle-orm/pg-core';
import { Pool } from '../cluster/pool.js';
import { describe } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import { PicotsSession } from './picots-session.js';
import type { PicotsQueryResultHKT } from './query-result.js';

/** A drizzle database on a picots pool; `$client` is the pool. */
export class PicotsDatabase<TSchema extends Record<string, unknown> = Record<string, never>> extends PgDatabase<PicotsQueryResultHKT, TSchema> {
  /** drizzle's class tag. */
  static override readonly [entityKind]: string = 'PicotsDatabase';
}

/**
 * A drizzle database (PostgreSQL dialect) that runs its queries on a picots {@link Pool}: pipelined on
 * the pool's shared sessions, balanced over the cluster, selects retried on another instance when their
 * answer is lost. Writes without `.returning()` and `db.execute()` resolve to picots' result, with `rowCount`.
 * `db.transaction()` rejects with a `NoTransactionsError` (Picodata has none). The pool stays the
 * application's: close it yourself.
 *
 * @example
 * ```ts
 * import { eq } from 'drizzle-orm';
 * import { integer, pgTable, text } from 'drizzle-orm/pg-core';
 * import { Pool } from 'picots';
 * import { drizzle } from 'picots/drizzle';
 *
 * const users = pgTable('users', { id: integer().primaryKey(), name: text().notNull() });
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', enableDiscovery: true });
 * const db = drizzle(pool);
 * await db.insert(users).values({ id: 1, name: 'Ada' });
 * const { rowCount } = await db.update(users).set({ name: 'Ada L.' }).where(eq(users.id, 1));
 * await pool.close();
 * ```
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  pool: Pool,
  config: DrizzleConfig<TSchema> = {},
): PicotsDatabase<TSchema> & {
  /** The pool the database runs on. */
  $client: Pool;
} {
  if (!(pool instanceof Pool)) throw new ConfigError('pool', `drizzle() takes a picots Pool, got ${describe(pool)}`);
  if (config === null || typeof config !== 'object') throw new ConfigError('config', `must be a drizzle config object, got ${describe(config)}`);
  const dialect = new PgDialect({ casing: config.casing });
  const logger: Logger | undefined = config.logger === true ? new DefaultLogger() : config.logger === false ? undefined : config.logger;
  let schema: RelationalSchemaConfig<TablesRelationalConfig> | undefined;
  if (config.schema !== undefined) {
    const tables = extractTablesRelationalConfig(config.schema, createTableRelationsHelpers);
    schema = { fullSchema: config.schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }
  const session = new PicotsSession(pool, dialect, schema, { logger, cache: config.cache });
  const db = new PicotsDatabase<TSchema>(dialect, session, schema as RelationalSchemaConfig<never> | undefined) as PicotsDatabase<TSchema> & { $client: Pool };
  db.$client = pool;
  if (config.cache !== undefined) {
    // As drizzle's own drivers do: the database's `$cache`, with `invalidate` bound to the cache's onMutate.
    const withCache = db as unknown as { $cache?: { invalidate?: unknown } & object };
    withCache.$cache = Object.assign(config.cache, { invalidate: config.cache.onMutate });
  }
  return db;
}
