import type { AbortableOperationOptions, CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import type { Pool } from '../cluster/pool.js';
import type { ClusterQueryOptions } from '../cluster/cluster-query-options.js';
import type { QueryResult as PicotsResult } from '../protocol/query-types.js';
import { isReadOnlyQuery } from './read-only-query.js';

/** Command tags whose row count is a number of rows written. */
const WRITE_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * A Kysely connection that is not one session: each statement goes to the picots pool's `query()`, which
 * pipelines it on a shared connection of the instance the balancing strategy picks (and retries reads
 * elsewhere). Holding a whole session per Kysely query would halve throughput, and Picodata keeps no session
 * state worth pinning (no transactions, no `SET`), so consecutive statements of `db.connection()` may run on
 * different sessions and instances.
 */
export class SharedPoolConnection implements DatabaseConnection {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Runs one compiled query on the pool's shared sessions (`readOnly` for selects, so they may fail over). */
  async executeQuery<R>(compiledQuery: CompiledQuery, options?: AbortableOperationOptions): Promise<QueryResult<R>> {
    const result = await this.#pool.query<R>(compiledQuery.sql, compiledQuery.parameters, queryOptions(compiledQuery, options));
    return toKyselyResult(result);
  }

  /**
   * Streams the rows in chunks of `chunkSize`. Picodata builds a whole result in memory before sending its
   * first row (and picots reads it whole), so this saves no memory: it lets code written for `.stream()` run
   * unchanged. Page with `limit`/`offset` or keyset conditions to bound memory.
   */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number, options?: AbortableOperationOptions): AsyncIterableIterator<QueryResult<R>> {
    const size = Number.isInteger(chunkSize) && chunkSize > 0 ? chunkSize : 100;
    const { rows } = await this.#pool.query<R>(compiledQuery.sql, compiledQuery.parameters, queryOptions(compiledQuery, options));
    for (let start = 0; start < rows.length; start += size) yield { rows: rows.slice(start, start + size) };
  }
}

/**
 * picots options for one compiled query: object rows whatever the pool's `rowMode` (Kysely maps columns by
 * name), `readOnly` for a select so that it may fail over, and the caller's AbortSignal.
 */
function queryOptions(compiledQuery: CompiledQuery, options: AbortableOperationOptions | undefined): ClusterQueryOptions {
  const o: ClusterQueryOptions = { rowMode: 'object' };
  if (isReadOnlyQuery(compiledQuery.query)) o.readOnly = true;
  if (options?.signal !== undefined) o.signal = options.signal;
  return o;
}

/**
 * Kysely's result shape: `numAffectedRows` (a bigint, as Kysely wants) for INSERT, UPDATE, DELETE and MERGE,
 * from the command tag's row count; `rows` always.
 *
 * @example toKyselyResult({ command: 'UPDATE', rowCount: 2, rows: [], fields: [] }) // { numAffectedRows: 2n, rows: [] }
 */
export function toKyselyResult<R>(result: PicotsResult<R>): QueryResult<R> {
  if (WRITE_COMMANDS.has(result.command)) return { numAffectedRows: BigInt(result.rowCount), rows: result.rows };
  return { rows: result.rows };
}
