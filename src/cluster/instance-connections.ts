/**
 * The connections to one instance: a generic {@link ResourcePool} of {@link Connection}s plus the SQL part
 * (a statement on a shared lease, a connection on an exclusive one, and the handles connection-level
 * strategies choose from).
 */
import { Connection, queryPrechecked, startPrechecked } from '../protocol/connection.js';
import type { QuerySink } from '../protocol/query-sink.js';
import { DEFAULT_PORT } from '../config/parse-dsn.js';
import type { ConnectionOptions } from '../config/connection-options.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import { ResourcePool } from '../resource-pool/resource-pool.js';
import type { Lease } from '../resource-pool/lease.js';
import type { CloseOptions, ResourcePoolOptions } from '../resource-pool/resource-pool-options.js';
import type { PoolStats } from '../resource-pool/pool-stats.js';
import { QueryMethods } from '../protocol/query-methods.js';
import { AuthLatch } from './auth-latch.js';
import { connectionHandle, nextConnectionId, type ConnectionHandle } from './connection-handle.js';
import type { InstanceRef } from './instance-ref.js';
import { PoolConnection } from './pool-connection.js';
import type { PoolTraceTarget, TracedMember } from '../tracing/pool-call-trace.js';


/** Options of the connections to one instance, without the per-connect signal. */
export type InstanceConnectionOptions = Omit<ConnectionOptions, 'signal'>;

/** Pool settings for one instance: everything of the generic pool except how to make a connection. */
export type InstancePoolSettings = Omit<ResourcePoolOptions<Connection>, 'create' | 'destroy' | 'isUsable'>;

/** Per-call options of `acquire()`. */
export interface AcquireConnectionOptions {
  /** Milliseconds to wait for a connection; default the pool's `acquireTimeout`. */
  timeout?: number;
  /** Gives up waiting when it fires: the call rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * The connections to one instance.
 *
 * `query()` and its helpers take a *shared* lease: they pipeline onto the least busy connection (up to
 * `pipelining` queries in flight on each) and so need no connection of their own. `acquire()` takes an
 * *exclusive* lease for work that must stay on one session.
 *
 * @example
 * ```ts
 * const conns = new InstanceConnections(member.ref, { host, port, user, password }, { pipelining: 16 });
 * const n = await conns.fetchval<number>('SELECT 1');
 * ```
 */
export class InstanceConnections extends QueryMethods {
  readonly instance: InstanceRef;
  readonly #pool: ResourcePool<Connection>;
  readonly #connectionOptions: InstanceConnectionOptions;
  /** Shared by every instance of a cluster: a wrong password stops logins everywhere. */
  readonly #authLatch: AuthLatch;
  /** Each connection's id, as its handles show it. */
  readonly #ids = new WeakMap<Connection, number>();
  /** The connection behind each handle given out: a handle is inert data, only this object can use it. */
  readonly #byHandle = new WeakMap<ConnectionHandle, Connection>();
  /** What `picots:query` reports for statements on this instance's acquired connections. */
  readonly #trace: PoolTraceTarget & TracedMember;

  constructor(instance: InstanceRef, connectionOptions: InstanceConnectionOptions, settings: InstancePoolSettings, authLatch: AuthLatch = new AuthLatch()) {
    super();
    this.instance = instance;
    this.#connectionOptions = connectionOptions;
    this.#trace = Object.freeze({ ref: instance, host: connectionOptions.host, port: connectionOptions.port ?? DEFAULT_PORT, user: connectionOptions.user, database: connectionOptions.database });
    this.#authLatch = authLatch;
    this.#pool = new ResourcePool<Connection>({
      ...settings,
      create: (signal) => this.#openConnection(signal),
      destroy: (conn) => conn.close(),
      isUsable: (conn) => conn.isReady(),
    });
  }

  /**
   * Runs one statement on a shared lease. `timeout` is one deadline for the wait and the query together.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    return this.#query<Row>(sql, params, options, true, true);
  }

  /**
   * {@link query} for arguments the caller already checked with `validateQueryArgs` (the cluster pool does,
   * before routing): the connection does not check them again.
   */
  queryPrechecked<Row = Record<string, unknown>>(sql: string, params: QueryParams | undefined, options: QueryOptions | undefined): Promise<QueryResult<Row>> {
    return this.#query<Row>(sql, params, options, true, false);
  }

  /**
   * {@link queryPrechecked} with the outcome going to `sink`: the lease ends first, then `sink` hears how the
   * statement went. Throws when the statement is refused at once (nothing is queued then, and `sink` is
   * never called).
   */
  startPrechecked(sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, sink: QuerySink): void {
    const now = this.#pool.tryLeaseNow(true);
    if (now === undefined) {
      this.#queryAfterWait(sql, params, options, true, false).then((result) => sink.ok(result), (error: unknown) => sink.fail(error as Error));
      return;
    }
    try {
      startPrechecked(now.resource, sql, params, options, new LeasedSink(now, sink));
    } catch (error) {
      now.release();
      throw error;
    }
  }

  /**
   * Runs a statement of the client's own (a topology read, a health probe) that does not count as use:
   * it never keeps an otherwise idle connection open past `idleTimeout`, so a process that forgot `close()`
   * still exits.
   */
  background<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    return this.#query<Row>(sql, params, options, false, true);
  }

  #query<Row>(sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, countAsUse: boolean, check: boolean): Promise<QueryResult<Row>> {
    // Most statements find room on an open connection at once: no promise or timer for the lease.
    let now: Lease<Connection> | undefined;
    try {
      now = this.#pool.tryLeaseNow(true);
    } catch (error) {
      // Never a synchronous throw (an 'acquire' listener's error), as when this was an async function.
      return Promise.reject(error);
    }
    if (now !== undefined) return runLeased<Row>(now, sql, params, options, countAsUse, check);
    return this.#queryAfterWait<Row>(sql, params, options, countAsUse, check);
  }

  async #queryAfterWait<Row>(
    sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, countAsUse: boolean, check: boolean,
  ): Promise<QueryResult<Row>> {
    const timeout = options?.timeout;
    const started = timeout === undefined ? 0 : performance.now();
    const lease = await this.#pool.acquire({ shared: true, timeout, signal: options?.signal });
    let queryOptions = options;
    if (timeout !== undefined && timeout !== Infinity) {
      queryOptions = { ...options, timeout: Math.max(1, timeout - (performance.now() - started)) };
    }
    return runLeased<Row>(lease, sql, params, queryOptions, countAsUse, check);
  }

  /** Takes a connection for exclusive use. Release it with `conn.release()` or `await using`. */
  async acquire(options?: AcquireConnectionOptions): Promise<PoolConnection> {
    const lease = await this.#pool.acquire({ timeout: options?.timeout, signal: options?.signal });
    return new PoolConnection(lease, this.instance, this.#trace);
  }

  /**
   * Frozen snapshots of the connections a strategy may pick from: open, ready and not retiring, with room
   * for one more statement (`shared`) or idle (for exclusive use). Use the pick with {@link runOn} or
   * {@link acquireOn}.
   */
  handles(shared: boolean): ConnectionHandle[] {
    const out: ConnectionHandle[] = [];
    const room = this.#pool.pipelining;
    for (const info of this.#pool.resources()) {
      if (info.retiring || (shared ? info.exclusive || info.leases >= room : info.leases !== 0)) continue;
      const conn = info.resource;
      if (!conn.isReady()) continue;
      const handle = connectionHandle(this.instance, this.#ids.get(conn) ?? 0, conn.inFlight, info.leases);
      this.#byHandle.set(handle, conn);
      out.push(handle);
    }
    return out;
  }

  /** Runs on exactly the handle's connection when it still has room, else on any connection of this instance. */
  runOn<Row = Record<string, unknown>>(handle: ConnectionHandle, sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    return this.#runOn<Row>(handle, sql, params, options, true);
  }

  /** {@link runOn} for arguments the caller already checked (see {@link queryPrechecked}). */
  runOnPrechecked<Row = Record<string, unknown>>(handle: ConnectionHandle, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined): Promise<QueryResult<Row>> {
    return this.#runOn<Row>(handle, sql, params, options, false);
  }

  #runOn<Row>(handle: ConnectionHandle, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, check: boolean): Promise<QueryResult<Row>> {
    const conn = this.#byHandle.get(handle);
    const lease = conn === undefined ? undefined : this.#pool.tryAcquire(conn, { shared: true });
    if (lease === undefined) return this.#query<Row>(sql, params, options, true, check);
    return runLeased<Row>(lease, sql, params, options, true, check);
  }

  /** Takes exactly the handle's connection for exclusive use, when it is idle; else undefined. */
  acquireOn(handle: ConnectionHandle): PoolConnection | undefined {
    const conn = this.#byHandle.get(handle);
    const lease = conn === undefined ? undefined : this.#pool.tryAcquire(conn);
    return lease === undefined ? undefined : new PoolConnection(lease, this.instance, this.#trace);
  }

  /** Connections with no lease right now. */
  get idleCount(): number {
    return this.#pool.idleCount;
  }

  /** Connections open (or retiring with statements left). */
  get size(): number {
    return this.#pool.size;
  }

  /** New size limits; surplus connections retire as they come back. */
  resize(limits: { maxSize?: number; minSize?: number }): void {
    this.#pool.resize(limits);
  }

  /** Most statements pipelined on one connection. */
  get pipelining(): number {
    return this.#pool.pipelining;
  }

  /** Queries in flight over all connections. */
  get inFlight(): number {
    let n = 0;
    for (const info of this.#pool.resources()) n += info.resource.inFlight;
    return n;
  }

  stats(): PoolStats {
    return this.#pool.stats();
  }

  /** Retires every current connection as it comes back (new ones are opened on demand). */
  expire(): void {
    this.#pool.expire();
  }

  close(options?: CloseOptions): Promise<void> {
    return this.#pool.close(options);
  }

  terminate(): Promise<void> {
    return this.#pool.terminate();
  }

  async #openConnection(signal: AbortSignal): Promise<Connection> {
    const conn = await this.#authLatch.login(() => Connection.connect({ ...this.#connectionOptions, signal }, this.instance), this.instance.address);
    this.#ids.set(conn, nextConnectionId());
    // A connection that dies while idle (server restart, network cut) leaves the pool at once; nothing is
    // thrown: the pool simply opens another when one is needed.
    conn.once('close', () => this.#pool.destroy(conn, 'closed'));
    return conn;
  }
}

/** Ends a statement's lease however the statement ends, then passes the outcome on. */
class LeasedSink implements QuerySink {
  constructor(
    readonly lease: Lease<Connection>,
    readonly next: QuerySink,
  ) {}

  ok(result: QueryResult<unknown>): void {
    if (this.#ended()) this.next.ok(result);
  }

  fail(error: Error): void {
    if (this.#ended()) this.next.fail(error);
  }

  /** Ends the lease; false when that failed, and then its error is the outcome passed on. */
  #ended(): boolean {
    try {
      this.lease.release();
      return true;
    } catch (error) {
      this.next.fail(error as Error);
      return false;
    }
  }
}

/** Runs one statement on a leased connection and ends the lease however the statement ends. */
const NOT_USE = { countAsUse: false } as const;

function runLeased<Row>(
  lease: Lease<Connection>, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, countAsUse: boolean,
  check: boolean,
): Promise<QueryResult<Row>> {
  const release = countAsUse ? undefined : NOT_USE;
  const conn = lease.resource;
  return (check ? conn.query<Row>(sql, params, options) : queryPrechecked<Row>(conn, sql, params, options)).then(
    (result) => {
      lease.release(release);
      return result;
    },
    (error: unknown) => {
      lease.release(release);
      throw error;
    },
  );
}
