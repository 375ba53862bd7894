import { EventEmitter } from 'node:events';
import { resolveClusterOptions, type PoolOptions, type ResolvedClusterOptions } from '../config/cluster-options.js';
import { ConfigError, PoolClosedError } from '../errors.js';
import { RetryBudget } from '../failover/retry-budget.js';
import { fetchvalOptions, firstRow, firstValue, toExecuteResult, toRows, withQueryMethods } from '../protocol/query-methods.js';
import type { ExecuteResult, QueryParams, QueryResult } from '../protocol/query-types.js';
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
import { Router, type ResultMap, type RouteProgress, type StatementRoute } from './router.js';
import { SessionOptions } from './session-options.js';
import { TopologyFollower } from './topology-follower.js';
import { AutoRoute } from './auto-route.js';
import { BucketMapLoader } from './bucket-map-loader.js';
import { restrictToTarget, type KeyedAccess, type RouteTarget } from '../balance/keyed-routing.js';
import { isReadOnlySql } from '../failover/read-only-sql.js';
import type { KeyPart } from '../routing/key-part.js';
import type { InstanceRef } from './instance-ref.js';
import { routeKeyHash, type OwnerOfOptions } from './cluster-query-options.js';
import { describe } from '../config/validate.js';
import { ClusterReport } from './cluster-report.js';
import { PoolLog } from './pool-log.js';
import { queryChannel } from '../tracing/query-channel.js';
import { acquireChannel } from '../tracing/acquire-channel.js';
import { traceAcquire, traceQuery, type PoolTraceTarget } from '../tracing/pool-call-trace.js';

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
 * - Statements, `acquire()` and connects are traced through `node:diagnostics_channel` (see
 *   {@link TRACING_CHANNELS}); quarantine, recovery, topology changes and warnings also go to `logger`.
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
  /** Set with `autoRoute: true`: fills in each statement's key from Picodata's query metadata. */
  readonly #autoRoute: AutoRoute | undefined;
  readonly #buckets: BucketMapLoader;
  readonly #traceTarget: PoolTraceTarget;
  #connecting: Promise<this> | undefined;
  #connected = false;
  #closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    super();
    const o = (this.#options = resolveClusterOptions(options));
    const clock = systemClock;
    const log = new PoolLog(o.logger);
    const report = new ClusterReport(this, log);
    const warnings = new Warnings(log, (w) => void (this.listenerCount('warning') > 0 && this.emit('warning', w)));
    this.#traceTarget = { user: o.connection.user, database: o.connection.database };
    this.#defaultRoute = Object.freeze({ timeout: o.queryTimeout });
    // Shared by every instance: one wrong password stops logins everywhere.
    const authLatch = new AuthLatch();
    this.#sessions = new SessionOptions(o);
    this.#autoRoute = o.autoRoute ? new AutoRoute(o.connection.statementCacheSize ?? 100) : undefined;
    const metadataCache = this.#autoRoute?.cache;
    this.#membership = new Membership(
      { maxSize: o.maxSize, minSize: o.minSize, maxSizePerInstance: o.maxSizePerInstance, drainTimeout: o.drainTimeout },
      (member, session) =>
        new InstanceConnections(member.ref, { ...o.connection, host: member.host, port: member.port, options: session || undefined, metadataCache }, o.instanceSettings, authLatch),
    );
    const membership = this.#membership;
    this.#health = new HealthMonitor<Member>({
      clock,
      isWatched: (m) => this.#closing === undefined && membership.has(m),
      probe: (m) => probeInstance({ ...o.connection, host: m.host, port: m.port, options: this.#sessions.default || undefined }, authLatch, o.probeTimeout, m.ref),
      isInstanceFault: probeFailed,
      quarantined: (m, error) => {
        membership.healthChanged();
        report.quarantined(m.ref, error);
        // The topology may explain it (the instance went Offline): look sooner.
        this.#follower.schedule('error');
      },
      recovered: (m) => {
        membership.healthChanged();
        report.recovered(m.ref);
      },
    });
    const instanceFailed = (m: Member, error: Error): void => this.#health.failed(m, error);
    this.#buckets = new BucketMapLoader({
      healthy: () => membership.healthy(),
      discovery: o.enableDiscovery,
      session: this.#sessions.default,
      // The bound of the topology reads (see TopologyFollower's refresh).
      timeout: o.connection.connectTimeout === undefined || o.connection.connectTimeout === Infinity ? 10_000 : o.connection.connectTimeout,
      warnOnce: (key, code, message) => warnings.once(key, { code, message }),
      debug: (message) => log.debug({ code: 'BUCKET_MAP' }, message),
      instanceFailed,
      isClosing: () => this.#closing !== undefined,
    });
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
        report.membershipChanged(change.added.map((m) => m.ref), change.removed.map((m) => m.ref));
        for (const s of change.skipped) {
          warnings.once(`skip:${s.name}:${s.reason}`, { code: 'INSTANCE_SKIPPED', message: `instance ${s.name} is not used: ${s.reason}` });
        }
      },
      refreshed: (change) => report.refreshed(change),
      isClosing: () => this.#closing !== undefined,
      topologyRead: (instances, selfUuid) => this.#buckets.topologyRead(instances, selfUuid),
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
      retried: (event) => report.retried(event),
      routeStale: () => this.#buckets.stale(),
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
    // Every statement of an autoRoute pool may become keyed (from its second execution): the map is read
    // with the first topology read, not at the first keyed statement, which would go without it.
    if (this.#autoRoute !== undefined) this.#buckets.activate();
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
    // Without a subscriber, tracing costs this one check.
    if (queryChannel.hasSubscribers) return traceQuery(this.#traceTarget, sql, params, options, (progress) => this.#query<Row>(sql, params, options, progress));
    return this.#query<Row>(sql, params, options, undefined);
  }

  override execute(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<ExecuteResult> {
    return this.#mapped(sql, params, options, toExecuteResult);
  }

  override fetch<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<Row[]> {
    return this.#mapped(sql, params, options, toRows<Row>);
  }

  override fetchrow<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<Row | null> {
    return this.#mapped(sql, params, options, firstRow<Row>);
  }

  override fetchval<T = unknown>(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<T | null> {
    return this.#mapped(sql, params, fetchvalOptions(options), firstValue) as Promise<T | null>;
  }

  /** A helper's call: the router settles its one promise with `map(result)`, as `query().then(map)` would. */
  #mapped<T>(sql: string, params: QueryParams | undefined, options: ClusterQueryOptions | undefined, map: ResultMap<T>): Promise<T> {
    // A traced call, or a subclass's own query(), goes through query() as the helpers' contract says.
    if (queryChannel.hasSubscribers || this.query !== POOL_QUERY) return this.query(sql, params, options).then(map);
    return this.#query(sql, params, options, undefined, map) as Promise<T>;
  }

  #query<Row>(sql: string, params: QueryParams | undefined, options: ClusterQueryOptions | undefined, progress: RouteProgress<Member> | undefined): Promise<QueryResult<Row>>;
  #query(sql: string, params: QueryParams | undefined, options: ClusterQueryOptions | undefined, progress: undefined, map: ResultMap<unknown>): Promise<unknown>;
  #query(sql: string, params: QueryParams | undefined, options: ClusterQueryOptions | undefined, progress: RouteProgress<Member> | undefined, map?: ResultMap<unknown>): Promise<unknown> {
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
    let route: ClusterQueryOptions & StatementRoute = options === undefined ? this.#defaultRoute
      : options.timeout !== undefined || queryTimeout === undefined ? options : { ...options, timeout: queryTimeout };
    if (this.#autoRoute !== undefined) route = this.#autoRoute.route(sql, params, route);
    if (route.routeKey !== undefined) {
      try {
        route = { ...route, target: this.#keyedTarget(route.routeKey, route.routeTier, keyedAccess(sql, route)) };
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const session = this.#sessions.for(options?.readPreference);
    if (!this.#connected) return this.connect().then(() => this.#router.query(session, sql, params, route, progress, map));
    return this.#router.query(session, sql, params, route, progress, map);
  }

  /**
   * Takes a connection for exclusive use: every statement on it runs in one session on one instance. Give
   * it back with `release()` (or `conn.release()`, or `await using`).
   */
  acquire(options?: ClusterAcquireOptions): Promise<PoolConnection> {
    if (acquireChannel.hasSubscribers) return traceAcquire(this.#traceTarget, options, (progress) => this.#acquire(options, progress));
    return this.#acquire(options, undefined);
  }

  async #acquire(options: ClusterAcquireOptions | undefined, progress: RouteProgress<Member> | undefined): Promise<PoolConnection> {
    checkAcquireOptions(options);
    if (this.#closing !== undefined) throw new PoolClosedError();
    await this.connect();
    if (this.#follower.paused) this.#follower.resume();
    const timeout = options?.timeout ?? this.#options.acquireTimeout;
    const target = options?.routeKey === undefined ? undefined : this.#keyedTarget(options.routeKey, options.routeTier, 'leader');
    return this.#router.acquire(this.#sessions.for(options?.readPreference), timeout, options?.signal, options?.readPreference, options?.prefer, target, progress);
  }

  /**
   * The instance a write with this sharding key would go to now: the leader of the replicaset owning the
   * key's bucket, or (when leaders are unknown: no READ on `_pico_replicaset`) its first healthy member.
   * `undefined` when the bucket map is not loaded (no discovery, Picodata before 25.5.1, not read yet), the
   * tier is unknown, or the owner has no healthy instance, in which case the write is routed as without a key.
   *
   * @example
   * ```ts
   * pool.ownerOf([42, 'eu'])?.name           // 'default_2_1'
   * pool.ownerOf(7, { tier: 'storage' })      // another tier's owner
   * ```
   */
  ownerOf(key: readonly KeyPart[] | KeyPart, options?: OwnerOfOptions): InstanceRef | undefined {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new ConfigError('options', `ownerOf() takes { tier } or nothing, got ${describe(options)}`);
    }
    const tier = options?.tier;
    if (tier !== undefined && (typeof tier !== 'string' || tier === '')) throw new ConfigError('tier', `must be a tier name, got ${describe(tier)}`);
    const target = this.#buckets.target(routeKeyHash('key', key), tier, 'leader');
    if (target === null) return undefined;
    return restrictToTarget(this.#membership.healthy(), target)?.[0]?.ref;
  }

  /**
   * Where a keyed statement goes: this is the one entry point of keyed routing (the `routeKey`/`routeTier`
   * options, given by the caller or computed from Picodata's query metadata). Throws a ConfigError for a
   * key that cannot be hashed.
   */
  #keyedTarget(key: unknown, tier: string | undefined, access: KeyedAccess): RouteTarget | null {
    return this.#buckets.target(routeKeyHash('routeKey', key), tier, access);
  }

  /**
   * Gives back a connection from `acquire()`. Not node-postgres' `client.release()`: `connect()` resolves to
   * the pool itself, so `(await pool.connect()).release()` throws a ConfigError that says to use `acquire()`.
   */
  release(connection: PoolConnection): void {
    if (!(connection instanceof PoolConnection)) {
      const given: unknown = connection;
      const hint = given === undefined || typeof given === 'boolean' || given instanceof Error
        ? ": connect() opens the pool and resolves to the pool itself, not to one client as in node-postgres; for one session take `const conn = await pool.acquire()` and end it with `conn.release()`"
        : '';
      throw new ConfigError('connection', `release() takes a connection from acquire() of this pool${hint}`);
    }
    connection.release();
  }

  /** The instances in rotation, with their load and health. */
  instances(): InstanceStatus[] {
    return instanceStatuses(this.#membership.list());
  }

  /** A snapshot of connection counts and counters, in total and per instance. */
  stats(): ClusterStats {
    return clusterStats(this.#membership.list(), this.#router.keyed);
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
    this.#buckets.stop();
  }
}

/** The pool's own `query`: the helpers settle their promise themselves only while nothing replaced it. */
const POOL_QUERY = Pool.prototype.query;

/** Which members of the owner a keyed statement may use: reads honour `readPreference`, writes take the leader. */
function keyedAccess(sql: string, options: ClusterQueryOptions): KeyedAccess {
  const preference = options.readPreference;
  if (preference === undefined || preference === 'leader') return 'leader';
  return (options.readOnly ?? isReadOnlySql(sql)) ? preference : 'leader';
}
