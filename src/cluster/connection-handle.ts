import type { Connection } from '../protocol/connection.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import type { PoolResourceInfo } from '../resource-pool/entry.js';
import type { InstancePool } from './instance-connections.js';
import type { InstanceRef } from './instance-ref.js';
import type { Member } from './member.js';
import { PoolConnection } from './pool-connection.js';

/**
 * What a picopyn-style strategy `(connections) => connection` is given: one open connection, with the
 * instance it belongs to and its load. It is a handle, not the connection itself, so a strategy cannot run
 * statements behind the pool's back.
 */
export class ConnectionHandle {
  /** @internal */
  constructor(
    private readonly connection: Connection,
    private readonly pool: InstancePool,
    /** @internal */
    readonly member: Member,
  ) {}

  /** The instance this connection talks to. */
  get instance(): InstanceRef {
    return this.pool.instance;
  }

  /** Statements in flight on this connection. */
  get inFlight(): number {
    return this.connection.inFlight;
  }

  /** @internal Runs on exactly this connection when it still has room, else anywhere on its instance. */
  run<Row>(sql: string, params: QueryParams | undefined, options: QueryOptions | undefined): Promise<QueryResult<Row>> {
    const conn = this.connection;
    const resources = this.pool.pool;
    if (!resources.tryAcquire(conn, { shared: true })) return this.pool.query<Row>(sql, params, options);
    return conn.query<Row>(sql, params, options).then(
      (result) => {
        resources.release(conn);
        return result;
      },
      (error: unknown) => {
        resources.release(conn);
        throw error;
      },
    );
  }

  /** @internal Takes exactly this connection for exclusive use, when it is idle. */
  tryAcquire(): PoolConnection | undefined {
    const conn = this.connection;
    const resources = this.pool.pool;
    if (!resources.tryAcquire(conn)) return undefined;
    return new PoolConnection(conn, this.pool.instance, (c, destroy) => {
      if (destroy) resources.destroy(c, 'destroyed');
      else resources.release(c);
    });
  }
}

const handles = new WeakMap<Connection, ConnectionHandle>();

/** Handles for a member's open connections that pass `keep` (made once per connection). */
export function collectHandles(
  member: Member,
  pool: InstancePool,
  keep: (info: PoolResourceInfo<Connection>) => boolean,
  into: ConnectionHandle[],
): void {
  for (const info of pool.pool.resources()) {
    if (!keep(info) || !info.resource.isReady()) continue;
    let handle = handles.get(info.resource);
    if (handle === undefined) {
      handle = new ConnectionHandle(info.resource, pool, member);
      handles.set(info.resource, handle);
    }
    into.push(handle);
  }
}
