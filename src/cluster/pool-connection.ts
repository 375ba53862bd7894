import { PicotsError } from '../errors.js';
import { QueryMethods } from '../protocol/query-methods.js';
import type { Connection } from '../protocol/connection.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import type { Lease } from '../resource-pool/lease.js';
import type { InstanceRef } from './instance-ref.js';
import { queryChannel } from '../tracing/query-channel.js';
import { traceQuery, type PoolTraceTarget, type TracedMember } from '../tracing/pool-call-trace.js';

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
  /** The exclusive lease on the connection; undefined once released or destroyed. */
  #lease: Lease<Connection> | undefined;
  /** Who this connection talks to, for `picots:query`: made once per instance, shared by its connections. */
  readonly #trace: (PoolTraceTarget & TracedMember) | undefined;

  /** @internal Made by the pool's `acquire()`. */
  constructor(
    lease: Lease<Connection>,
    /** The instance this connection belongs to. */
    readonly instance: InstanceRef,
    trace?: PoolTraceTarget & TracedMember,
  ) {
    super();
    this.#lease = lease;
    this.#trace = trace;
  }

  /** True until `release()` or `destroy()`. */
  get isHeld(): boolean {
    return this.#lease !== undefined;
  }

  /** Queries in flight on this connection. */
  get inFlight(): number {
    return this.#lease?.resource.inFlight ?? 0;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    const lease = this.#lease;
    if (lease === undefined) return Promise.reject(released());
    const trace = this.#trace;
    // Without a subscriber, tracing costs this one check.
    if (trace !== undefined && queryChannel.hasSubscribers) {
      return traceQuery<Row>(trace, sql, params, options, (progress) => {
        progress.placed(trace);
        return lease.resource.query<Row>(sql, params, options);
      });
    }
    return lease.resource.query<Row>(sql, params, options);
  }

  /**
   * Gives the connection back to its pool. A second call throws `ERR_PICOTS_RELEASED`: this is a connection
   * the caller holds, so a double release is a bug worth reporting loudly (the pool itself only warns).
   */
  release(): void {
    this.#take().release();
  }

  /** Closes the connection instead of returning it (e.g. after a session-level mistake). */
  destroy(): void {
    this.#take().destroy('destroyed');
  }

  /** Releases the connection at the end of an `await using` block (a no-op when already released). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#lease !== undefined) this.release();
  }

  #take(): Lease<Connection> {
    const lease = this.#lease;
    if (lease === undefined) throw released();
    this.#lease = undefined;
    const hook = releaseHooks.get(this);
    if (hook !== undefined) {
      releaseHooks.delete(this);
      hook();
    }
    return lease;
  }
}

const releaseHooks = new WeakMap<PoolConnection, () => void>();

/** Runs `fn` once when `conn` is released or destroyed (the router counts a held session as running work). */
export function onReleased(conn: PoolConnection, fn: () => void): void {
  releaseHooks.set(conn, fn);
}

function released(): PicotsError {
  return new PicotsError('ERR_PICOTS_RELEASED', 'this connection was already released to its pool');
}
