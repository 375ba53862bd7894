import { Connection } from '../protocol/connection.js';
import type { ConnectionOptions } from '../config/connection-options.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import { ResourcePool } from '../resource-pool/resource-pool.js';
import type { CloseOptions, PoolOptions } from '../resource-pool/resource-pool-options.js';
import type { PoolStats } from '../resource-pool/pool-stats.js';
import { QueryMethods } from '../protocol/query-methods.js';
import { AuthLatch } from './auth-latch.js';
import type { InstanceRef } from './instance-ref.js';
import { PoolConnection } from './pool-connection.js';

/** Options of the connections to one instance, without the per-connect signal. */
export type InstanceConnectionOptions = Omit<ConnectionOptions, 'signal'>;

/** Pool settings for one instance: everything of the generic pool except how to make a connection. */
export type InstancePoolSettings = Omit<PoolOptions<Connection>, 'create' | 'destroy' | 'isUsable'>;

/** Per-call options of `acquire()`. */
export interface AcquireConnectionOptions {
  /** Milliseconds to wait for a connection; default the pool's `acquireTimeout`. */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * The connections to one instance: a generic {@link ResourcePool} of {@link Connection}s plus the SQL part.
 *
 * `query()` and its helpers take a *shared* lease: they pipeline onto the least busy connection (up to
 * `pipelining` queries in flight on each) and so need no connection of their own. `acquire()` takes an
 * *exclusive* lease for work that must stay on one session.
 */
export class InstancePool extends QueryMethods {
  readonly pool: ResourcePool<Connection>;
  readonly instance: InstanceRef;

  constructor(
    instance: InstanceRef,
    private readonly connectionOptions: InstanceConnectionOptions,
    private readonly settings: InstancePoolSettings,
    /** Shared by every instance of a cluster: a wrong password stops logins everywhere. */
    private readonly authLatch: AuthLatch = new AuthLatch(),
  ) {
    super();
    this.instance = instance;
    this.pool = new ResourcePool<Connection>({
      ...settings,
      create: (signal) => this.openConnection(signal),
      destroy: (conn) => conn.close(),
      isUsable: (conn) => conn.isReady(),
    });
  }

  /**
   * Runs one statement on a shared lease. `timeout` is one deadline for the wait and the query together.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    const timeout = options?.timeout;
    const started = timeout === undefined ? 0 : performance.now();
    return this.pool.acquire({ shared: true, timeout, signal: options?.signal }).then((conn) => {
      let queryOptions = options;
      if (timeout !== undefined && timeout !== Infinity) {
        queryOptions = { ...options, timeout: Math.max(1, timeout - (performance.now() - started)) };
      }
      return conn.query<Row>(sql, params, queryOptions).then(
        (result) => {
          this.pool.release(conn);
          return result;
        },
        (error: unknown) => {
          this.pool.release(conn);
          throw error;
        },
      );
    });
  }

  /** Takes a connection for exclusive use. Release it with `conn.release()` or `await using`. */
  async acquire(options?: AcquireConnectionOptions): Promise<PoolConnection> {
    const conn = await this.pool.acquire({ timeout: options?.timeout, signal: options?.signal });
    return new PoolConnection(conn, this.instance, (c, destroy) => {
      if (destroy) this.pool.destroy(c, 'destroyed');
      else this.pool.release(c);
    });
  }

  /** Most statements pipelined on one connection. */
  get pipelining(): number {
    return this.settings.pipelining ?? 1;
  }

  /** Queries in flight over all connections. */
  get inFlight(): number {
    let n = 0;
    for (const info of this.pool.resources()) n += info.resource.inFlight;
    return n;
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  /** Retires every current connection as it comes back (new ones are opened on demand). */
  expire(): void {
    this.pool.expire();
  }

  close(options?: CloseOptions): Promise<void> {
    return this.pool.close(options);
  }

  terminate(): Promise<void> {
    return this.pool.terminate();
  }

  private async openConnection(signal: AbortSignal): Promise<Connection> {
    const conn = await this.authLatch.login(() => Connection.connect({ ...this.connectionOptions, signal }));
    conn.tag = this.instance;
    // A connection that dies while idle (server restart, network cut) leaves the pool at once; nothing is
    // thrown: the pool simply opens another when one is needed.
    conn.once('close', () => this.pool.destroy(conn, 'closed'));
    return conn;
  }
}
