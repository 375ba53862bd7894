import type { QueryOptions, QueryParams, QueryResult } from '../connection/query-types.js';
import { PicotsError, PoolClosedError } from '../errors.js';
import type { CloseOptions } from '../pool/pool-options.js';
import type { PoolStats } from '../pool/pool-stats.js';
import { QueryMethods } from '../query-methods.js';
import { AuthLatch } from './auth-latch.js';
import { InstancePool, type AcquireConnectionOptions } from './instance-pool.js';
import type { InstanceRef } from './instance-ref.js';
import type { PoolConnection } from './pool-connection.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './pool-options.js';

/** Statistics of one instance's connections. */
export interface InstanceStats extends PoolStats {
  instance: InstanceRef;
}

/** `pool.stats()`: the sum over all instances, and each instance on its own. */
export interface ClusterStats {
  total: PoolStats;
  instances: InstanceStats[];
}

/**
 * A pool of connections to a Picodata cluster.
 *
 * `fetch`/`execute`/... pipeline onto the least busy connection of the chosen instance; `acquire()` hands out
 * a connection for exclusive use. `maxSize` is the total over all instances.
 *
 * @example
 * ```ts
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@127.0.0.1:4327', maxSize: 8 });
 * await pool.connect();
 * const rows = await pool.fetch<{ id: number }>('SELECT id FROM items WHERE price > $1', [10]);
 * await pool.close();
 * ```
 */
export class Pool extends QueryMethods {
  protected readonly options: ResolvedPoolOptions;
  protected readonly members = new Map<string, InstancePool>();
  private cursor = 0;
  private connecting: Promise<this> | undefined;
  private connected = false;
  /** Shared by every instance: one wrong password stops logins everywhere. */
  protected readonly authLatch = new AuthLatch();
  private closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    super();
    this.options = resolvePoolOptions(options);
    for (const warning of this.options.warnings) this.options.logger?.warn(warning);
  }

  /**
   * Opens the pool: connects to the instances and opens `minSize` connections (at least one per instance, so a
   * wrong password or an unreachable cluster fails here and not on the first query). Queries made before
   * `connect()` call it themselves.
   */
  connect(): Promise<this> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    if (this.closing !== undefined) return Promise.reject(new PoolClosedError());
    const opts = this.options.queryTimeout !== undefined && options?.timeout === undefined ? { ...options, timeout: this.options.queryTimeout } : options;
    if (!this.connected) return this.connect().then(() => this.pick().query<Row>(sql, params, opts));
    return this.pick().query<Row>(sql, params, opts);
  }

  /**
   * Takes a connection for exclusive use: every query on it runs on one session. Give it back with
   * `release()` (or `conn.release()`, or `await using`).
   */
  async acquire(options?: AcquireConnectionOptions): Promise<PoolConnection> {
    if (this.closing !== undefined) throw new PoolClosedError();
    await this.connect();
    return this.pick().acquire({ timeout: options?.timeout ?? this.options.acquireTimeout, signal: options?.signal });
  }

  /** Gives back a connection from `acquire()`. */
  release(connection: PoolConnection): void {
    connection.release();
  }

  /** A snapshot of connection counts and counters, in total and per instance. */
  stats(): ClusterStats {
    const instances: InstanceStats[] = [];
    for (const member of this.members.values()) instances.push({ instance: member.instance, ...member.stats() });
    return { total: sumStats(instances), instances };
  }

  /** Retires every connection as it comes back; new ones are opened on demand. */
  expire(): void {
    for (const member of this.members.values()) member.expire();
  }

  /** True once `close()` or `terminate()` was called. */
  isClosing(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Stops taking work, lets queries and acquired connections finish for up to `drainTimeout` ms (default
   * 30000), then closes what is left. Resolves when every socket is closed.
   */
  close(options?: CloseOptions): Promise<void> {
    this.closing ??= Promise.all([...this.members.values()].map((m) => m.close(options))).then(() => undefined);
    return this.closing;
  }

  /** Closes every connection at once; queries in flight fail. */
  terminate(): Promise<void> {
    const all = Promise.all([...this.members.values()].map((m) => m.terminate())).then(() => undefined);
    this.closing ??= all;
    return all;
  }

  protected async open(): Promise<this> {
    const o = this.options;
    const share = Math.max(1, Math.min(o.maxSizePerInstance, Math.floor(o.maxSize / o.seeds.length)));
    for (const seed of o.seeds) {
      const address = `${seed.host}:${seed.port}`;
      if (this.members.has(address)) continue;
      const instance: InstanceRef = { address, uuid: undefined, name: undefined };
      const member = new InstancePool(instance, { ...o.connection, host: seed.host, port: seed.port }, {
        ...o.instanceSettings,
        maxSize: share,
        minSize: Math.min(share, Math.ceil(o.minSize / o.seeds.length)),
      }, this.authLatch);
      this.members.set(address, member);
    }
    // One connection per instance up front: configuration mistakes surface here.
    const results = await Promise.allSettled([...this.members.values()].map(async (m) => (await m.acquire()).release()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length === results.length) {
      this.connecting = undefined;
      throw failures[0]!.reason;
    }
    this.connected = true;
    return this;
  }

  protected pick(): InstancePool {
    const members = [...this.members.values()];
    if (members.length === 0) throw new PicotsError('ERR_PICOTS_NO_INSTANCE', 'no instance is available');
    this.cursor = (this.cursor + 1) % members.length;
    return members[this.cursor]!;
  }
}

function sumStats(list: readonly PoolStats[]): PoolStats {
  const total: Record<string, unknown> = {};
  const byReason: Record<string, number> = {};
  for (const s of list) {
    for (const [key, value] of Object.entries(s)) {
      if (typeof value === 'number') total[key] = ((total[key] as number | undefined) ?? 0) + value;
    }
    for (const [reason, n] of Object.entries(s.destroyedByReason)) byReason[reason] = (byReason[reason] ?? 0) + n;
  }
  total.destroyedByReason = byReason;
  return total as unknown as PoolStats;
}
