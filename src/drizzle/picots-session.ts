import { NoopLogger, fillPlaceholders, type Logger, type Query, type RelationalSchemaConfig, type SQL, type TablesRelationalConfig } from 'drizzle-orm';
import type { Cache } from 'drizzle-orm/cache/core';
import { PgPreparedQuery, PgSession, type PgTransaction, type PgTransactionConfig, type PreparedQueryConfig, type SelectedFieldsOrdered } from 'drizzle-orm/pg-core';
import { entityKind } from 'drizzle-orm';
import type { PgDialect } from 'drizzle-orm/pg-core';
import type { Pool } from '../cluster/pool.js';
import type { ClusterQueryOptions } from '../cluster/cluster-query-options.js';
import { NoTransactionsError } from '../errors.js';
import type { QueryResult } from '../protocol/query-types.js';
import { joinsNotNullableMap, mapResultRow, queryWithCache } from './drizzle-internals.js';
import type { PicotsQueryResultHKT } from './query-result.js';

/** What drizzle-orm says about a query it prepares (its cache uses it; picots uses `type`). */
export interface QueryMetadata {
  /** The kind of statement drizzle built. */
  type: 'select' | 'update' | 'delete' | 'insert';
  /** The tables it touches. */
  tables: string[];
}

/** Turns array rows into the result of a relational query (drizzle's own mapper). */
export type CustomResultMapper<T> = (rows: unknown[][]) => T;

/**
 * One drizzle query on a picots pool: each run is one `pool.query()`, pipelined on a shared session.
 * Selects built by drizzle's query builder go out as `readOnly` (so they may fail over); everything else is
 * left to picots' guess from the SQL text.
 */
export class PicotsPreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  /** drizzle's class tag. */
  static override readonly [entityKind]: string = 'PicotsPreparedQuery';
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #fields: SelectedFieldsOrdered | undefined;
  readonly #arrayMode: boolean;
  readonly #customResultMapper: CustomResultMapper<T['execute']> | undefined;
  readonly #readOnly: boolean;

  constructor(
    pool: Pool,
    query: Query,
    logger: Logger,
    cache: Cache | undefined,
    queryMetadata: QueryMetadata | undefined,
    fields: SelectedFieldsOrdered | undefined,
    arrayMode: boolean,
    customResultMapper: CustomResultMapper<T['execute']> | undefined,
  ) {
    super(query, cache, queryMetadata);
    this.#pool = pool;
    this.#logger = logger;
    this.#fields = fields;
    this.#arrayMode = arrayMode;
    this.#customResultMapper = customResultMapper;
    this.#readOnly = queryMetadata?.type === 'select';
  }

  /**
   * Runs the query. With selected fields (a select, or a write with `.returning()`), resolves to the mapped
   * rows; otherwise (a write without `.returning()`, `db.execute(sql)`) to picots' whole result, `rowCount`
   * included.
   */
  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    const { sql, params: template } = this.getQuery();
    const params = fillPlaceholders(template, placeholderValues);
    this.#logger.logQuery(sql, params);
    const fields = this.#fields;
    const mapper = this.#customResultMapper;
    if (fields === undefined && mapper === undefined) {
      return queryWithCache(this as never, sql, params, () => this.#run(sql, params, false));
    }
    const { rows } = await queryWithCache(this as never, sql, params, () => this.#run<unknown[]>(sql, params, true));
    if (mapper !== undefined) return mapper(rows);
    const map = mapResultRow();
    const joins = joinsNotNullableMap(this as never);
    return rows.map((row) => map(fields, row, joins));
  }

  /** Runs the query and resolves to its rows as objects (drizzle's `session.all()`). */
  async all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    const { sql, params: template } = this.getQuery();
    const params = fillPlaceholders(template, placeholderValues);
    this.#logger.logQuery(sql, params);
    const { rows } = await queryWithCache(this as never, sql, params, () => this.#run(sql, params, false));
    return rows;
  }

  /** Whether drizzle asked for array rows (it maps them by position: joins may repeat a column name). */
  isResponseInArrayMode(): boolean {
    return this.#arrayMode;
  }

  #run<Row>(sql: string, params: unknown[], arrayRows: boolean): Promise<QueryResult<Row>> {
    const options: ClusterQueryOptions = { rowMode: arrayRows ? 'array' : 'object' };
    if (this.#readOnly) options.readOnly = true;
    return this.#pool.query<Row>(sql, params, options);
  }
}

/** Options of {@link PicotsSession}. */
export interface PicotsSessionOptions {
  /** drizzle's query logger (none by default). */
  logger?: Logger;
  /** drizzle's query cache (none by default). */
  cache?: Cache;
}

/**
 * drizzle's session over a picots pool. There is no session state to keep: every query goes to the pool.
 * `transaction()` rejects with a {@link NoTransactionsError} before anything is sent.
 */
export class PicotsSession<TFullSchema extends Record<string, unknown>, TSchema extends TablesRelationalConfig> extends PgSession<
  PicotsQueryResultHKT,
  TFullSchema,
  TSchema
> {
  /** drizzle's class tag. */
  static override readonly [entityKind]: string = 'PicotsSession';
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #cache: Cache | undefined;

  constructor(pool: Pool, dialect: PgDialect, _schema: RelationalSchemaConfig<TSchema> | undefined, options: PicotsSessionOptions = {}) {
    super(dialect);
    this.#pool = pool;
    this.#logger = options.logger ?? new NoopLogger();
    this.#cache = options.cache;
  }

  /** Builds drizzle's prepared query on the pool (statements are prepared per connection by picots). */
  prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => T['execute'],
    queryMetadata?: QueryMetadata,
  ): PgPreparedQuery<T> {
    return new PicotsPreparedQuery<T>(this.#pool, query, this.#logger, this.#cache, queryMetadata, fields, isResponseInArrayMode, customResultMapper);
  }

  /** `db.$count()`: the first row's `count`, as a number. */
  override async count(sql: SQL): Promise<number> {
    const result = await this.execute<QueryResult<{ count: unknown }>>(sql);
    return Number(result.rows[0]?.count);
  }

  /** Refused: Picodata has no transactions (see {@link NoTransactionsError}). */
  async transaction<T>(
    _transaction: (tx: PgTransaction<PicotsQueryResultHKT, TFullSchema, TSchema>) => Promise<T>,
    _config?: PgTransactionConfig,
  ): Promise<T> {
    throw new NoTransactionsError('drizzle transaction()');
  }
}
