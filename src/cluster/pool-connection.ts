import { PicotsError } from '../errors.js';
import { QueryMethods } from '../protocol/query-methods.js';
import type { Connection } from '../protocol/connection.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import type { InstanceRef } from './instance-ref.js';

/**
 * A connection held exclusively after `acquire()`: every query on it runs on the same session (and so the
 * same instance) until it is released. Release it exactly once, or use `await using`.
 *
 * @example
 * ```ts
 * await using conn = await pool.acquire();
 * await conn.execute('INSERT INTO t VALUES ($1)', [1]);
 * const row = await conn.fetchrow('SELECT * FROM t WHERE id = $1', [1]);
 * ```
 */
export class PoolConnection extends QueryMethods {
  private held: Connection | undefined;

  /** @internal */
  constructor(
    connection: Connection,
    /** The instance this connection belongs to. */
    readonly instance: InstanceRef,
    private readonly onRelease: (connection: Connection, destroy: boolean) => void,
  ) {
    super();
    this.held = connection;
  }

  /** True until `release()` or `destroy()`. */
  get isHeld(): boolean {
    return this.held !== undefined;
  }

  /** Queries in flight on this connection. */
  get inFlight(): number {
    return this.held?.inFlight ?? 0;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    const conn = this.held;
    if (conn === undefined) return Promise.reject(released());
    return conn.query<Row>(sql, params, options);
  }

  /** Gives the connection back to its pool. A second call throws: a double release is a bug. */
  release(): void {
    const conn = this.take();
    this.onRelease(conn, false);
  }

  /** Closes the connection instead of returning it (e.g. after a session-level mistake). */
  destroy(): void {
    const conn = this.take();
    this.onRelease(conn, true);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.held !== undefined) this.release();
  }

  private take(): Connection {
    const conn = this.held;
    if (conn === undefined) throw released();
    this.held = undefined;
    return conn;
  }
}

function released(): PicotsError {
  return new PicotsError('ERR_PICOTS_RELEASED', 'this connection was already released to its pool');
}
