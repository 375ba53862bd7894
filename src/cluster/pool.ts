import type { BalanceContext, InstanceInfo, NodeStrategy } from '../balance/instance-info.js';
import { runConnectionStrategy, runNodeStrategy } from '../balance/run-strategy.js';
import { Connection } from '../protocol/connection.js';
import { buildPicodataOptions, type ReadPreference } from '../config/picodata-options.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import {
  AuthenticationError,
  ConnectionError,
  NoInstanceAvailableError,
  OutcomeUnknownError,
  PoolClosedError,
} from '../errors.js';
import type { CloseOptions } from '../resource-pool/resource-pool-options.js';
import type { PoolStats } from '../resource-pool/pool-stats.js';
import { EventEmitter } from 'node:events';
import { withQueryMethods } from '../protocol/query-methods.js';
import { discoverInstances, type DiscoveryResult } from '../topology/discover.js';
import type { DsnHost } from '../config/parse-dsn.js';
import { RefreshSchedule } from '../topology/refresh-schedule.js';
import { AuthLatch } from './auth-latch.js';
import { classifyFailure } from '../failover/failure-class.js';
import type { ConnectionHandle } from './connection-handle.js';
import { InstanceConnections, type AcquireConnectionOptions } from './instance-connections.js';
import type { InstanceRef } from './instance-ref.js';
import { Member } from './member.js';
import { Membership, type MembershipChange } from './membership.js';
import type { PoolConnection } from './pool-connection.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from '../config/cluster-options.js';
import { isReadOnlySql } from '../failover/read-only-sql.js';
import { RetryBudget } from '../failover/retry-budget.js';
import { decideRetry } from '../failover/retry-policy.js';

/** Per-query options of the cluster-aware pool. */
export interface ClusterQueryOptions extends QueryOptions {
  /**
   * Running this statement twice is harmless: after a failure that may have reached the server, it may be
   * retried on another instance. Default false.
   */
  idempotent?: boolean;
  /**
   * The statement only reads, so it may be retried on another instance. Default: guessed from the SQL text
   * (a single SELECT/VALUES/WITH without writes); pass `false` for a SELECT that calls a function with side
   * effects.
   */
  readOnly?: boolean;
  /** Picodata's read preference for this statement (26.1.1+); sessions are kept per preference. */
  readPreference?: ReadPreference;
}

/** Options of `acquire()`. */
export interface ClusterAcquireOptions extends AcquireConnectionOptions {
  readPreference?: ReadPreference;
}

/** Statistics of one instance's connections. */
export interface InstanceStats extends PoolStats {
  instance: InstanceRef;
}

/** `pool.stats()`: the sum over all instances, and each instance on its own. */
export interface ClusterStats {
  total: PoolStats;
  instances: InstanceStats[];
}

/** How one instance looks from the client: what a strategy sees, plus health. */
export interface InstanceStatus extends InstanceInfo {
  /** Taken out of rotation after connection failures until a probe succeeds. */
  quarantined: boolean;
  /** The last failure seen on it, if any. */
  lastError: string | undefined;
  /** Statements and connections routed to it over the pool's life. */
  served: number;
}

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
 *
 * Events (none is required; there is no `error` event): `instanceAdded`, `instanceRemoved` (InstanceRef),
 * `instanceQuarantined` (InstanceRef, Error), `instanceRecovered` (InstanceRef), `topologyRefreshed`
 * ({ added, removed }), `retry` ({ instance, attempt, error, reason }), `warning` (message).
 *
 * @example
 * ```ts
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', maxSize: 12, enableDiscovery: true });
 * await pool.connect();
 * const rows = await pool.fetch<{ id: number }>('SELECT id FROM items WHERE price > $1', [10]);
 * await pool.close();
 * ```
 */
export class Pool extends withQueryMethods<ClusterQueryOptions, typeof EventEmitter>(EventEmitter) {
  protected readonly options: ResolvedPoolOptions;
  protected readonly membership: Membership;
  /** Shared by every instance: one wrong password stops logins everywhere. */
  protected readonly authLatch = new AuthLatch();
  private readonly optionsByPreference = new Map<string, string>();
  private readonly retryBudget = new RetryBudget();
  private readonly schedule: RefreshSchedule;
  private readonly warned = new Set<string>();
  private connecting: Promise<this> | undefined;
  private connected = false;
  private closing: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private discovery: { schema: DiscoveryResult['schema']; self: { uuid: string | undefined; seed: DsnHost } } | undefined;
  private healthy: Member[] = [];
  private healthyStale = true;

  constructor(options: PoolOptions) {
    super();
    this.options = resolvePoolOptions(options);
    const o = this.options;
    for (const warning of o.warnings) this.warn(warning);
    this.schedule = new RefreshSchedule({ refreshInterval: o.refreshInterval });
    this.membership = new Membership(
      { maxSize: o.maxSize, minSize: o.minSize, maxSizePerInstance: o.maxSizePerInstance, drainTimeout: o.drainTimeout },
      (member, startupOptions) =>
        new InstanceConnections(member.ref, { ...o.connection, host: member.host, port: member.port, options: startupOptions || undefined }, o.instanceSettings, this.authLatch),
    );
  }

  /**
   * Finds the instances (with discovery on) and opens connections up to `maxSize`, spread across them.
   * Fails when no instance can be reached, or at once on a wrong password. Statements made before
   * `connect()` call it themselves.
   */
  connect(): Promise<this> {
    if (this.closing !== undefined) return Promise.reject(new PoolClosedError());
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<QueryResult<Row>> {
    if (this.closing !== undefined) return Promise.reject(new PoolClosedError());
    if (!this.connected) return this.connect().then(() => this.route<Row>(sql, params, options));
    return this.route<Row>(sql, params, options);
  }

  /**
   * Takes a connection for exclusive use: every statement on it runs in one session on one instance. Give
   * it back with `release()` (or `conn.release()`, or `await using`).
   */
  async acquire(options?: ClusterAcquireOptions): Promise<PoolConnection> {
    if (this.closing !== undefined) throw new PoolClosedError();
    await this.connect();
    const timeout = options?.timeout ?? this.options.acquireTimeout;
    const started = performance.now();
    const startupOptions = this.startupOptionsFor(options?.readPreference);
    const exclude = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const remaining = timeout === Infinity ? Infinity : timeout - (performance.now() - started);
      const ctx = { readPreference: options?.readPreference, attempt, exclude };
      if (this.options.connectionStrategy !== undefined) {
        const choice = this.chooseConnection(startupOptions, ctx, false);
        const conn = choice?.member.connectionsFor(startupOptions).acquireOn(choice.handle);
        if (conn !== undefined) return conn;
      }
      const member = this.choose(undefined, ctx);
      try {
        const conn = await member.connectionsFor(startupOptions).acquire({ timeout: Math.max(1, remaining), signal: options?.signal });
        this.count(member);
        return conn;
      } catch (error) {
        const failure = classifyFailure(error);
        // Only a connect that never got anywhere is worth another instance; the rest is the caller's.
        if (!failure.instanceFault || failure.uncertain || attempt >= this.options.maxAttempts) throw error;
        this.onInstanceFailure(member, error as Error);
        exclude.add(member.key);
        this.emit('retry', { instance: member.ref, attempt, error, reason: failure.reason });
      }
    }
  }

  /** Gives back a connection from `acquire()`. */
  release(connection: PoolConnection): void {
    connection.release();
  }

  /** The instances in rotation, with their load and health. */
  instances(): InstanceStatus[] {
    return this.membership.list().map((m) => ({
      uuid: m.uuid,
      name: m.name,
      address: m.address,
      tier: m.tier,
      replicasetName: m.replicasetName,
      failureDomain: m.failureDomain,
      state: m.state,
      inFlight: m.inFlight,
      idle: m.idle,
      total: m.total,
      latencyMs: m.latencyMs,
      quarantined: m.health.isQuarantined(),
      lastError: m.lastError?.message,
      served: m.served,
    }));
  }

  /** A snapshot of connection counts and counters, in total and per instance. */
  stats(): ClusterStats {
    const instances: InstanceStats[] = [];
    for (const member of this.membership.list()) {
      const perPool = member.stats();
      instances.push({ instance: member.ref, ...sumStats(perPool) });
    }
    return { total: sumStats(instances), instances };
  }

  /** Reads the cluster's topology now (with discovery on) and applies what changed. */
  refresh(): Promise<void> {
    if (this.discovery === undefined) return Promise.resolve();
    this.refreshing ??= this.runRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Retires every connection as it comes back; new ones are opened on demand. */
  expire(): void {
    for (const member of this.membership.list()) for (const p of member.allConnections()) p.expire();
  }

  /** True once `close()` or `terminate()` was called. */
  isClosing(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Stops taking work, lets statements and acquired connections finish for up to `drainTimeout` ms (default
   * 30000), then closes what is left. Resolves when every socket is closed.
   */
  close(options?: CloseOptions): Promise<void> {
    this.stopRefresh();
    this.closing ??= (this.connecting ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.membership.close(options));
    return this.closing;
  }

  /** Closes every connection at once; statements in flight fail. */
  terminate(): Promise<void> {
    this.stopRefresh();
    const done = this.membership.terminate();
    this.closing ??= done;
    return done;
  }

  // ---------------------------------------------------------------------------------------------------
  // Opening

  protected async open(): Promise<this> {
    const o = this.options;
    let change: MembershipChange;
    const boot = o.enableDiscovery ? await this.bootstrap() : undefined;
    if (boot !== undefined) {
      this.discovery = { schema: boot.result.schema, self: { uuid: boot.result.selfUuid, seed: boot.seed } };
      for (const w of boot.result.warnings) this.warn(w);
      change = this.membership.fromDiscovery(boot.result.instances, this.discovery.self);
    } else {
      change = this.membership.fromSeeds(o.seeds);
    }
    this.report(change);
    if (this.membership.list().length === 0) {
      throw new NoInstanceAvailableError('discovery found no Online instance with a reachable pgproto address');
    }
    // Open each instance's share now (as picopyn does): wrong credentials and unreachable instances show up here.
    const members = [...this.membership.list()];
    const results = await Promise.allSettled(members.map((m) => this.warm(m)));
    const failures = new Map<string, Error>();
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const member = members[i]!;
        failures.set(member.address, r.reason as Error);
        this.onInstanceFailure(member, r.reason as Error);
        this.warnOnce(`unreachable:${member.key}`, `instance ${member.name} at ${member.address} cannot be reached: ${(r.reason as Error).message}`);
      }
    });
    const auth = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof AuthenticationError);
    if (auth !== undefined) throw auth.reason;
    if (failures.size === members.length) {
      throw new NoInstanceAvailableError(`no instance could be reached (${describeFailures(failures)})`, failures, failures.values().next().value);
    }
    this.connected = true;
    if (this.discovery !== undefined) this.scheduleRefresh('unchanged');
    return this;
  }

  private async warm(member: Member): Promise<void> {
    const pool = member.connectionsFor(this.startupOptionsFor(undefined));
    const held = await Promise.allSettled(Array.from({ length: member.maxSize }, () => pool.acquire()));
    for (const h of held) if (h.status === 'fulfilled') h.value.release();
    const failed = held.find((h): h is PromiseRejectedResult => h.status === 'rejected');
    if (failed !== undefined && held.every((h) => h.status === 'rejected')) throw failed.reason;
  }

  /**
   * Connects to the seeds in random order (so many processes do not all ask the same one) and reads the
   * topology. Returns undefined when the server has no discovery tables: the pool then works on the seeds.
   */
  private async bootstrap(): Promise<{ result: DiscoveryResult; seed: DsnHost } | undefined> {
    const failures = new Map<string, Error>();
    for (const seed of shuffled(this.options.seeds)) {
      let conn: Connection;
      try {
        conn = await this.authLatch.login(() => Connection.connect({ ...this.options.connection, host: seed.host, port: seed.port }));
      } catch (error) {
        if (error instanceof AuthenticationError) throw error;
        failures.set(`${seed.host}:${seed.port}`, error as Error);
        continue;
      }
      try {
        return { result: await discoverInstances(conn, { timeout: this.options.connection.connectTimeout }), seed };
      } catch (error) {
        if (error instanceof ConnectionError) {
          failures.set(conn.address, error);
          continue;
        }
        this.warnOnce('discovery-failed', `discovery failed (${(error as Error).message}); working on the seed addresses only`);
        return undefined;
      } finally {
        void conn.close();
      }
    }
    throw new NoInstanceAvailableError(`no seed address could be reached (${describeFailures(failures)})`, failures, failures.values().next().value);
  }

  // ---------------------------------------------------------------------------------------------------
  // Routing and failover

  private async route<Row>(sql: string, params: QueryParams | undefined, options: ClusterQueryOptions | undefined): Promise<QueryResult<Row>> {
    const o = this.options;
    const timeout = options?.timeout ?? o.queryTimeout;
    const started = timeout === undefined ? 0 : performance.now();
    const startupOptions = this.startupOptionsFor(options?.readPreference);
    let exclude: Set<string> | undefined;
    for (let attempt = 1; ; attempt++) {
      const remaining = timeout === undefined ? undefined : timeout - (performance.now() - started);
      const ctx = { readPreference: options?.readPreference, attempt, exclude: exclude ?? EMPTY };
      const choice = this.options.connectionStrategy === undefined ? undefined : this.chooseConnection(startupOptions, ctx, true);
      const member = choice?.member ?? this.choose(sql, ctx);
      const queryOptions = remaining === undefined ? options : { ...options, timeout: Math.max(1, remaining) };
      const t0 = performance.now();
      member.routed++;
      try {
        const result = choice !== undefined
          ? await member.connectionsFor(startupOptions).runOn<Row>(choice.handle, sql, params, queryOptions)
          : await member.connectionsFor(startupOptions).query<Row>(sql, params, queryOptions);
        member.latency.record(performance.now() - t0);
        this.retryBudget.recordSuccess(performance.now());
        this.count(member);
        return result;
      } catch (error) {
        const readOnly = options?.readOnly ?? isReadOnlySql(sql);
        const decision = decideRetry({
          error,
          idempotent: options?.idempotent,
          readOnly,
          attempt,
          maxAttempts: o.maxAttempts,
          remainingMs: timeout === undefined ? undefined : timeout - (performance.now() - started),
          takeRetryToken: () => this.retryBudget.tryWithdraw(performance.now()),
        });
        if (decision.quarantineInstance) this.onInstanceFailure(member, error as Error);
        if (!decision.retry) {
          if (decision.outcomeUnknown && error instanceof ConnectionError && !(error instanceof OutcomeUnknownError)) {
            throw new OutcomeUnknownError(
              `the statement may or may not have been applied on instance ${member.name} (${member.address}): ${error.message}; it was not retried because it is not marked idempotent or read-only`,
              { phase: error.phase, instance: member.address, cause: error },
            );
          }
          throw error;
        }
        exclude ??= new Set();
        exclude.add(member.key);
        this.emit('retry', { instance: member.ref, attempt, error, reason: decision.reason });
      } finally {
        member.routed--;
      }
    }
  }

  /**
   * picopyn's shape of strategy: offers the open connections of every instance in rotation (with room for one
   * more statement, or idle for `acquire()`) and returns the handle it picked; undefined when none is open yet.
   */
  private chooseConnection(startupOptions: string, ctx: { exclude: ReadonlySet<string> }, shared: boolean): { handle: ConnectionHandle; member: Member } | undefined {
    const strategy = this.options.connectionStrategy!;
    const handles: ConnectionHandle[] = [];
    const owners: Member[] = [];
    for (const member of this.candidates(ctx.exclude)) {
      for (const handle of member.connectionsFor(startupOptions).handles(shared)) {
        handles.push(handle);
        owners.push(member);
      }
    }
    if (handles.length === 0) return undefined;
    const { picked, error } = runConnectionStrategy(strategy, handles, { name: 'balanceStrategy' });
    if (error !== undefined) throw error;
    return { handle: picked, member: owners[handles.indexOf(picked)]! };
  }

  /**
   * Picks the instance for a statement: a strategy over the members in rotation that are not quarantined,
   * avoiding those already tried. When every member is quarantined, fails fast with the reason for each.
   */
  private choose(sql: string | undefined, ctx: { readPreference?: ReadPreference; attempt: number; exclude: ReadonlySet<string> }): Member {
    const candidates = this.candidates(ctx.exclude);
    if (candidates.length === 0) throw this.noInstanceError();
    if (candidates.length === 1) return candidates[0]!;
    const context: BalanceContext = { sql, readPreference: ctx.readPreference, attempt: ctx.attempt, exclude: ctx.exclude };
    const { picked, error } = runNodeStrategy(this.options.strategy, candidates, context, { name: 'balanceStrategy' });
    if (error !== undefined) throw error;
    return picked as Member;
  }

  /** Members in rotation and not quarantined, without the ones already tried when others remain. */
  private candidates(exclude: ReadonlySet<string>): Member[] {
    const healthy = this.healthyMembers();
    if (exclude.size === 0) return healthy;
    const rest = healthy.filter((m) => !exclude.has(m.key));
    return rest.length > 0 ? rest : healthy;
  }

  private healthyMembers(): Member[] {
    if (this.healthyStale) {
      this.healthy = this.membership.list().filter((m) => !m.draining && !m.health.isQuarantined());
      this.healthyStale = false;
    }
    return this.healthy;
  }

  private noInstanceError(): NoInstanceAvailableError {
    const failures = new Map<string, Error>();
    for (const m of this.membership.list()) if (m.lastError !== undefined) failures.set(m.address, m.lastError);
    const list = this.membership.list();
    const message = list.length === 0
      ? 'no instance is available: the cluster reports no Online instance with a reachable address'
      : `no instance is available: all ${list.length} are quarantined after connection failures (${describeFailures(failures)}); they are probed in the background and come back when they answer`;
    return new NoInstanceAvailableError(message, failures, failures.values().next().value);
  }

  // ---------------------------------------------------------------------------------------------------
  // Health

  private onInstanceFailure(member: Member, error: Error): void {
    member.lastError = error;
    // Statements that were in flight when the instance failed report one by one; only the first one puts it
    // in quarantine. The backoff grows with failed probes, not with the size of the burst.
    if (!this.membership.list().includes(member) || member.health.isQuarantined()) return;
    const delay = member.health.recordFailure(performance.now());
    this.healthyStale = true;
    this.emit('instanceQuarantined', member.ref, error);
    this.scheduleProbe(member, delay);
    // The topology may explain it (the instance went Offline): look sooner.
    if (this.discovery !== undefined) this.scheduleRefresh('error');
  }

  private scheduleProbe(member: Member, delay: number): void {
    const timer = setTimeout(() => void this.probe(member), Math.max(1, delay));
    timer.unref();
  }

  /** `SELECT pico_instance_uuid()` on a fresh session: an answer of any kind proves the instance is back. */
  private async probe(member: Member): Promise<void> {
    if (this.closing !== undefined || member.draining || !this.membership.list().includes(member)) return;
    if (!member.health.isQuarantined()) return;
    const now = performance.now();
    if (!member.health.tryStartProbe(now)) {
      // Timers may fire a little before the backoff ends; a probe must never be dropped, or the instance
      // would stay out of rotation for good.
      this.scheduleProbe(member, Math.max(10, member.health.until - now + 5));
      return;
    }
    const pool = member.connectionsFor(this.startupOptionsFor(undefined));
    try {
      await pool.query('SELECT pico_instance_uuid()', [], { timeout: this.options.connection.connectTimeout === Infinity ? 10_000 : this.options.connection.connectTimeout });
      this.recover(member);
    } catch (error) {
      const failure = classifyFailure(error);
      if (!failure.instanceFault) {
        this.recover(member); // it answered (e.g. the function does not exist on this server)
        return;
      }
      member.lastError = error as Error;
      this.scheduleProbe(member, member.health.recordFailure(performance.now()));
    }
  }

  private recover(member: Member): void {
    member.health.recordSuccess();
    this.healthyStale = true;
    this.emit('instanceRecovered', member.ref);
  }

  // ---------------------------------------------------------------------------------------------------
  // Topology refresh

  private scheduleRefresh(outcome: 'changed' | 'unchanged' | 'error'): void {
    if (this.closing !== undefined || this.discovery === undefined) return;
    const delay = this.schedule.next(performance.now(), outcome);
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    if (!Number.isFinite(delay)) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, delay);
    this.refreshTimer.unref();
  }

  private stopRefresh(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private async runRefresh(): Promise<void> {
    const discovery = this.discovery;
    if (discovery === undefined || this.closing !== undefined) return;
    let result: DiscoveryResult | undefined;
    for (const member of shuffled(this.healthyMembers())) {
      try {
        result = await discoverInstances(member.connectionsFor(this.startupOptionsFor(undefined)), {
          schema: discovery.schema,
          self: false,
          timeout: this.options.connection.connectTimeout === Infinity ? 10_000 : this.options.connection.connectTimeout,
        });
        break;
      } catch (error) {
        if (classifyFailure(error).instanceFault) this.onInstanceFailure(member, error as Error);
      }
    }
    if (result === undefined) {
      // No member could answer: ask the seeds, which may know of instances we have not met yet.
      try {
        const boot = await this.bootstrap();
        if (boot !== undefined) result = boot.result;
      } catch {
        // Reported through the members' own failures; keep trying on the fast schedule.
      }
    }
    if (this.closing !== undefined) return;
    if (result === undefined) {
      this.scheduleRefresh('error');
      return;
    }
    for (const w of result.warnings) this.warnOnce(`discovery:${w}`, w);
    const change = this.membership.fromDiscovery(result.instances, discovery.self);
    this.healthyStale = true;
    this.report(change);
    // New members get their connections on demand; open one now so a bad address shows up at once.
    for (const m of change.added) {
      m.connectionsFor(this.startupOptionsFor(undefined)).acquire().then(
        (c) => c.release(),
        (error: unknown) => this.onInstanceFailure(m, error as Error),
      );
    }
    this.emit('topologyRefreshed', { added: change.added.map((m) => m.ref), removed: change.removed.map((m) => m.ref) });
    this.scheduleRefresh(change.added.length + change.removed.length > 0 ? 'changed' : 'unchanged');
  }

  private report(change: MembershipChange): void {
    for (const m of change.added) this.emit('instanceAdded', m.ref);
    for (const m of change.removed) this.emit('instanceRemoved', m.ref);
    for (const s of change.skipped) this.warnOnce(`skip:${s.name}:${s.reason}`, `instance ${s.name} is not used: ${s.reason}`);
  }

  // ---------------------------------------------------------------------------------------------------
  // Small helpers

  /** The `options` startup string for a read preference (cached: it keys the per-preference pools). */
  private startupOptionsFor(readPreference: ReadPreference | undefined): string {
    const key = readPreference ?? '';
    let s = this.optionsByPreference.get(key);
    if (s === undefined) {
      s = readPreference === undefined
        ? this.options.connection.options ?? ''
        : buildPicodataOptions({ ...this.options.picodata, readPreference }, this.options.rawPicodataOptions).options ?? '';
      this.optionsByPreference.set(key, s);
    }
    return s;
  }

  private count(member: Member): void {
    member.served++;
  }

  private warn(message: string): void {
    this.options.logger?.warn(message);
    if (this.listenerCount('warning') > 0) this.emit('warning', message);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }
}

const EMPTY: ReadonlySet<string> = new Set();


function shuffled<T>(list: readonly T[]): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function describeFailures(failures: ReadonlyMap<string, Error>): string {
  if (failures.size === 0) return 'no failure recorded';
  return [...failures].map(([address, e]) => `${address}: ${e.message}`).join('; ');
}

function sumStats(list: readonly PoolStats[]): PoolStats {
  const total: Record<string, unknown> = {
    size: 0, idle: 0, leased: 0, leases: 0, creating: 0, waiting: 0, minSize: 0, maxSize: 0, acquireCount: 0,
    waitedAcquireCount: 0, acquireWaitTimeMs: 0, timedOutAcquireCount: 0, abortedAcquireCount: 0, saturatedCount: 0,
    createdCount: 0, createFailedCount: 0, destroyedCount: 0,
  };
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

