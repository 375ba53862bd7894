import { EventEmitter } from 'node:events';
import { resolveClusterOptions, type PoolOptions, type ResolvedClusterOptions } from '../config/cluster-options.js';
import { ConfigError, PoolClosedError } from '../errors.js';
import { RetryBudget } from '../failover/retry-budget.js';
import { withQueryMethods } from '../protocol/query-methods.js';
import type { QueryParams, QueryResult } from '../protocol/query-types.js';
import type { CloseOptions } from '../resource-pool/resource-pool-options.js';
import { AuthLatch } from './auth-latch.js';
import { systemClock } from './clock.js';
import type { ClusterEvents } from './cluster-events.js';
import { Warnings } from './warnings.js';
import { clusterStats, instanceStatuses, type ClusterStats, type InstanceStatus } from './cluster-stats.js';
import { HealthMonitor } from './health-monitor.js';
import { probeFailed, probeInstance } from './probe.js';
import { InstanceConnections } from './instance-connections.js';
import { checkAcquireOptions, checkClusterQueryOptions, checkCloseOptions, type ClusterAcquireOptions, type ClusterQueryOptions } from './cluster-query-options.js';
import { validateQueryArgs } from '../protocol/query-args.js';
import type { Member } from './member.js';
import { Membership } from './membership.js';
import { PoolConnection } from './pool-connection.js';
import { memberIo } from './member-io.js';
import { Router } from './router.js';
import { SessionOptions } from './session-options.js';
import { TopologyFollower } from './topology-follower.js';

/**
 * A pool of connections to a Picodata cluster: it finds the instances (with `enableDiscovery`), keeps
 * connections to each, spreads statements across them with a balancing strategy, and keeps working while
 * instances join, fail or leave.
 *
 * - `fetch`/`execute`/... pipeline onto a connection of the instance the strategy picks. A statement that
 *   fails is retried on another instance only when it provably never reached the server, or it is a read, or
 *   it is marked `idempotent`; otherwise the error is an {@link OutcomeUnknownError}.
 * - `acquire()` hands out one session for exclusive use.
 * - `maxSize` is the total over all instances, spread evenly (`maxSizePerInstance` caps one instance).
 * - Events are typed by {@link ClusterEvents}; none needs a listener (there is no `error` event).
 *
 * @example
 * ```ts
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', maxSize: 12, enableDiscovery: true });
 * await pool.connect();
 * const rows = await pool.fetch<{ id: number }>('SELECT id FROM items WHERE price > $1', [10]);
 * await pool.close();
 * ```
 */
// The base is typed `new () => EventEmitter<ClusterEvents>`, not `typeof EventEmitter<ClusterEvents>`: the
// declaration bundler loses a type argument written inside `typeof`, and once Pool's declaration sits in a
// chunk shared by several entries (picots/kysely and picots/drizzle name Pool too), that chunk named
// ClusterEvents without importing it.
export class Pool extends withQueryMethods<ClusterQueryOptions, new () => EventEmitter<ClusterEvents>>(EventEmitter<ClusterEvents>) {
  readonly #options: ResolvedClusterOptions;
  readonly #membership: Membership;
  readonly #sessions: SessionOptions;
  readonly #health: HealthMonitor<Member>;
  readonly #follower: TopologyFollower;
  readonly #router: Router<Member>;
  readonly #defaultRoute: ClusterQueryOptions;
  #connecting: Promise<this> | undefined;
  #connected = false;
  #closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    super();
    const o = (this.#options = resolveClusterOptions(options));
    const clock = systemClock;
    const warnings = new Warnings(o.logger, (w) => void (this.listenerCount('warning') > 0 && this.emit('warning', w)));
    this.#defaultRoute = Object.freeze({ timeout: o.queryTimeout });
    // Shared by every instance: one wrong password stops logins everywhere.
    const authLatch = new AuthLatch();
    this.#sessions = new SessionOptions(o);
    this.#membership = new Membership(
      { maxSize: o.maxSize, minSize: o.minSize, maxSizePerInstance: o.maxSizePerInstance, drainTimeout: o.drainTimeout },
      (member, session) =>
        new InstanceConnections(member.ref, { ...o.connection, host: member.host, port: member.port, options: session || undefined }, o.instanceSettings, authLatch),
    );
    const membership = this.#membership;
    this.#health = new HealthMonitor<Member>({
      clock,
      isWatched: (m) => this.#closing === undefined && membership.has(m),
      probe: (m) => probeInstance({ ...o.connection, host: m.host, port: m.port, options: this.#sessions.default || undefined }, authLatch, o.probeTimeout),
      isInstanceFault: probeFailed,
      quarantined: (m, error) => {
        membership.healthChanged();
        this.emit('instanceQuarantined', m.ref, error);
        // The topology may explain it (the instance went Offline): look sooner.
        this.#follower.schedule('error');
      },
      recovered: (m) => {
        membership.healthChanged();
        this.emit('instanceRecovered', m.ref);
      },
    });
    const instanceFailed = (m: Member, error: Error): void => this.#health.failed(m, error);
    this.#follower = new TopologyFollower({
      options: o,
      membership,
      authLatch,
      clock,
      healthy: () => membership.healthy(),
      defaultSession: this.#sessions.default,
      instanceFailed,
      warnOnce: (key, code, message, m) => warnings.once(key, { code, message, instance: m?.ref }),
      changed: (change) => {
        for (const m of change.added) this.emit('instanceAdded', m.ref);
        for (const m of change.removed) this.emit('instanceRemoved', m.ref);
        for (const s of change.skipped) {
          warnings.once(`skip:${s.name}:${s.reason}`, { code: 'INSTANCE_SKIPPED', message: `instance ${s.name} is not used: ${s.reason}` });
        }
      },
      refreshed: (change) => this.emit('topologyRefreshed', change),
      isClosing: () => this.#closing !== undefined,
    });
    this.#router = new Router<Member>({
      clock,
      io: memberIo,
      healthy: () => membership.healthy(),
      noInstance: () => membership.noInstanceError(),
      strategy: o.strategy,
      strategyIsBuiltIn: o.strategyIsBuiltIn,
      connectionStrategy: o.connectionStrategy,
      maxAttempts: o.maxAttempts,
      budget: new RetryBudget(),
      prefer: o.prefer,
      instanceFailed,
      instanceSuspect: (m) => this.#health.suspect(m),
      retried: (event) => this.emit('retry', event),
    });
    for (const message of o.warnings) warnings.warn({ code: 'OPTIONS', message });
  }

  /**
   * Finds the instances (with discovery on) and opens connections up to `maxSize`, spread across them.
   * Fails when no instance can be reached, or at once on a wrong password. Statements made before
   * `connect()` call it themselves.
   */
  connect(): Promise<this> {
    if (this.#closing !== undefined) return Promise.reject(new PoolClosedError());
    this.#connecting ??= this.#follower.open().then(
      () => {
        this.#connected = true;
        return this;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<QueryResult<Row>> {
    if (this.#closing !== undefined) return Promise.reject(new PoolClosedError());
    try {
      // Before anything is queued: a caller's mistake fails that call only, on no instance.
      validateQueryArgs(sql, params, options);
      checkClusterQueryOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#follower.paused) this.#follower.resume();
    const queryTimeout = this.#options.queryTimeout;
    const route = options === undefined ? this.#defaultRoute
      : options.timeout !== undefined || queryTimeout === undefined ? options : { ...options, timeout: queryTimeout };
    const session = this.#sessions.for(options?.readPreference);
    if (!this.#connected) return this.connect().then(() => this.#router.query<Row>(session, sql, params, route));
    return this.#router.query<Row>(session, sql, params, route);
  }

  /**
   * Takes a connection for exclusive use: every statement on it runs in one session on one instance. Give
   * it back with `release()` (or `conn.release()`, or `await using`).
   */
  async acquire(options?: ClusterAcquireOptions): Promise<PoolConnection> {
    checkAcquireOptions(options);
    if (this.#closing !== undefined) throw new PoolClosedError();
    await this.connect();
    if (this.#follower.paused) this.#follower.resume();
    const timeout = options?.timeout ?? this.#options.acquireTimeout;
    return this.#router.acquire(this.#sessions.for(options?.readPreference), timeout, options?.signal, options?.readPreference, options?.prefer);
  }

  /** Gives back a connection from `acquire()`. */
  release(connection: PoolConnection): void {
    if (!(connection instanceof PoolConnection)) {
      throw new ConfigError('connection', 'release() takes a connection from acquire() of this pool');
    }
    connection.release();
  }

  /** The instances in rotation, with their load and health. */
  instances(): InstanceStatus[] {
    return instanceStatuses(this.#membership.list());
  }

  /** A snapshot of connection counts and counters, in total and per instance. */
  stats(): ClusterStats {
    return clusterStats(this.#membership.list());
  }

  /** Reads the cluster's topology now (with discovery on) and applies what changed. */
  refresh(): Promise<void> {
    return this.#follower.refresh();
  }

  /** Retires every connection as it comes back; new ones are opened on demand. */
  expire(): void {
    for (const member of this.#membership.list()) for (const p of member.allConnections()) p.expire();
  }

  /** True once `close()` or `terminate()` was called. */
  isClosing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Stops taking work, lets statements and acquired connections finish for up to `drainTimeout` ms (default
   * 30000), then closes what is left. Resolves when every socket is closed.
   */
  close(options?: CloseOptions): Promise<void> {
    try {
      checkCloseOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#stopBackground();
    this.#closing ??= (this.#connecting ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.#membership.close(options));
    return this.#closing;
  }

  /** Closes every connection at once; statements in flight fail. */
  terminate(): Promise<void> {
    this.#stopBackground();
    const done = this.#membership.terminate();
    this.#closing ??= done;
    return done;
  }

  #stopBackground(): void {
    this.#follower.stop();
    this.#health.stop();
  }
}
