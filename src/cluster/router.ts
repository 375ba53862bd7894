/**
 * The Router places work on the cluster: it chooses an instance with the balancing strategy, leases a
 * connection there (a shared, pipelined one for a statement; an exclusive one for `acquire()`), and when an
 * attempt fails it asks the retry policy whether to go again on another instance. One loop serves both
 * statements and sessions, so they spend the same retry budget, feed the same quarantine and keep the same
 * per-instance counts that `leastBusy` reads.
 *
 * It does no I/O of its own: the connections come through {@link RouterIo} and the time through a
 * {@link Clock}, so every failover decision is unit-tested with fake instances and fake time.
 */
import type { BalanceContext, ConnectionStrategy, InstanceInfo, NodeStrategy } from '../balance/instance-info.js';
import { snapshotInstance } from '../balance/instance-snapshot.js';
import { preferLocality, type Locality } from '../balance/locality.js';
import { restrictToTarget, type RouteTarget } from '../balance/keyed-routing.js';
import { isStaleRouteError } from '../routing/stale-route-error.js';
import { runConnectionStrategy, runNodeStrategy } from '../balance/run-strategy.js';
import type { ReadPreference } from '../config/picodata-options.js';
import { ConnectionError, OutcomeUnknownError, TimeoutError } from '../errors.js';
import type { RetryBudget } from '../failover/retry-budget.js';
import { classifyFailure, isDroppedSession } from '../failover/failure-class.js';
import { isReadOnlySql } from '../failover/read-only-sql.js';
import { decideRetry } from '../failover/retry-policy.js';
import type { QueryOptions, QueryParams, QueryResult } from '../protocol/query-types.js';
import type { QuerySink } from '../protocol/query-sink.js';
import { FirstAttempt, recordServed } from './first-attempt.js';
import type { Clock } from './clock.js';
import type { RetryEvent } from './cluster-events.js';
import type { ConnectionHandle } from './connection-handle.js';
import type { InstanceRef } from './instance-ref.js';
import { onReleased, type PoolConnection } from './pool-connection.js';
import type { RunningWork } from './running-work.js';

/** What the router reads and counts on an instance. */
export interface RoutableMember extends InstanceInfo {
  /** The membership key (the uuid, or `seed:<address>` without discovery). */
  readonly key: string;
  readonly ref: InstanceRef;
  /** Work placed here and not finished: statements waiting or running, sessions leased or held. */
  readonly running: RunningWork;
  /** Statements and sessions served over the pool's life. */
  served: number;
  readonly latency: { record(ms: number): void };
}

/**
 * The I/O the router needs, per instance and per session kind (`session` is the `options` startup string).
 * A statement's arguments reach `query`/`queryOn` already checked (`validateQueryArgs`, in the pool).
 */
export interface RouterIo<M> {
  query<Row>(member: M, session: string, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined): Promise<QueryResult<Row>>;
  acquire(member: M, session: string, options: { timeout: number; signal: AbortSignal | undefined }): Promise<PoolConnection>;
  /** Open connections a connection-level strategy may choose from (room for a statement, or idle). */
  handles(member: M, session: string, shared: boolean): readonly ConnectionHandle[];
  queryOn<Row>(member: M, session: string, handle: ConnectionHandle, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined): Promise<QueryResult<Row>>;
  /**
   * `query`, with the outcome going to `sink` instead of a promise (see {@link QuerySink}); throws when the
   * statement is refused at once. Optional: without it the router settles `sink` from `query`'s promise.
   */
  start?(member: M, session: string, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, sink: QuerySink): void;
  acquireOn(member: M, session: string, handle: ConnectionHandle): PoolConnection | undefined;
}

export interface RouterOptions<M extends RoutableMember> {
  readonly clock: Clock;
  readonly io: RouterIo<M>;
  /** Members in rotation and not quarantined, in a stable order. */
  healthy(): readonly M[];
  /** The error for "nothing to route to", with each instance's last failure. */
  noInstance(): Error;
  readonly strategy: NodeStrategy;
  /** A built-in strategy is trusted with the live members; a user's gets frozen snapshots. */
  readonly strategyIsBuiltIn: boolean;
  readonly connectionStrategy: ConnectionStrategy<ConnectionHandle> | undefined;
  readonly maxAttempts: number;
  readonly budget: RetryBudget;
  /** The pool's locality preference, used when a call gives none. */
  readonly prefer: Locality | undefined;
  /** An attempt failed for a reason that is the instance's own (feeds the health monitor). */
  instanceFailed(member: M, error: Error): void;
  /** A deadline passed on this instance: not a fault by itself, but worth a health check. */
  instanceSuspect(member: M): void;
  retried(event: RetryEvent): void;
  /** An attempt failed with an error saying the bucket map is stale (see `isStaleRouteError`). */
  routeStale?(error: unknown): void;
}

/** Per-statement routing input. */
export interface StatementRoute extends QueryOptions {
  readonly idempotent?: boolean;
  /** The statement only reads; guessed from the SQL text (only when a failure needs it) when absent. */
  readonly readOnly?: boolean;
  readonly readPreference?: ReadPreference;
  /** Instances to prefer while any of them is healthy; default the pool's `prefer`. */
  readonly prefer?: Locality;
  /**
   * A keyed statement (`routeKey`): the owner's instances to use while one is healthy, or `null` when the
   * owner is unknown (routed as without a key, counted as a fallback). Absent for a statement without a key.
   */
  readonly target?: RouteTarget | null;
}

/** What a statement's caller gets instead of the whole result (see `Router.query`). */
export type ResultMap<T> = (result: QueryResult<any>) => T;

/** Keyed statements counted by where they were served (see `ClusterStats.keyed`). */
export interface KeyedCounts {
  /** Served by the owner on the first attempt. */
  owner: number;
  /** Owner unknown or unhealthy, or the owner's attempt failed over. */
  fallback: number;
}

/**
 * Where a traced call learns how it goes: the router reports each attempt's instance as it places it.
 * Passed only when someone subscribes to a tracing channel; otherwise `undefined`, and nothing is called.
 */
export interface RouteProgress<M> {
  placed(member: M): void;
}

const NOTHING_EXCLUDED: ReadonlySet<string> = new Set();

/** What a statement's failed attempts have left: the instances to avoid and the dropped sessions ridden out. */
interface RetryState {
  exclude: Set<string> | undefined;
  dropped: number;
}

/** Dropped sessions one statement may ride out (each costs a new connection, so this is bounded). */
const MAX_DROPPED_SESSIONS = 10;

export class Router<M extends RoutableMember> {
  readonly #o: RouterOptions<M>;
  /**
   * What the last `#pick` chose besides the member: the connection (with a connection-level strategy) and
   * whether the member is the keyed target's. Read right after the call, so a pick allocates no result.
   */
  #pickedHandle: ConnectionHandle | undefined;
  #pickedOnTarget = false;
  /** Keyed statements by where they were served. */
  readonly keyed: KeyedCounts = { owner: 0, fallback: 0 };

  constructor(options: RouterOptions<M>) {
    this.#o = options;
  }

  /** Runs one statement on a shared connection, retrying elsewhere when the policy allows. */
  query<Row>(session: string, sql: string, params: QueryParams | undefined, route: StatementRoute, progress?: RouteProgress<M>): Promise<QueryResult<Row>>;
  /** The same, settled with `map(result)` when `map` is given: one promise for a helper like `fetchval`, not two. */
  query(session: string, sql: string, params: QueryParams | undefined, route: StatementRoute, progress: RouteProgress<M> | undefined, map: ResultMap<unknown> | undefined): Promise<unknown>;
  query(session: string, sql: string, params: QueryParams | undefined, route: StatementRoute, progress?: RouteProgress<M>, map?: ResultMap<unknown>): Promise<unknown> {
    const served = route.target === undefined ? undefined : { onOwner: false };
    const result = new Promise<unknown>((resolve, reject) => this.#firstAttempt(session, sql, params, route, served, progress, map, resolve, reject));
    if (served === undefined) return result;
    return result.finally(() => {
      if (served.onOwner) this.keyed.owner++;
      else this.keyed.fallback++;
    });
  }

  /**
   * Places a statement's first attempt synchronously; its connection reports straight to a
   * {@link FirstAttempt}. `served.onOwner` ends true when the statement was served on the owner at its first
   * attempt. A failure continues in {@link #retryLoop}, under exactly the rules of every later attempt.
   */
  #firstAttempt(
    session: string, sql: string, params: QueryParams | undefined, route: StatementRoute, served: { onOwner: boolean } | undefined,
    progress: RouteProgress<M> | undefined, map: ResultMap<unknown> | undefined, resolve: (value: unknown) => void, reject: (error: unknown) => void,
  ): void {
    const o = this.#o;
    const clock = o.clock;
    const started = route.timeout === undefined ? 0 : clock.now();
    let member: M;
    let handle: ConnectionHandle | undefined;
    try {
      member = this.#pick(session, sql, route.readPreference, 1, NOTHING_EXCLUDED, true, route.prefer ?? o.prefer, route.target);
      handle = this.#pickedHandle;
      if (served !== undefined) served.onOwner = this.#pickedOnTarget;
      progress?.placed(member);
    } catch (error) {
      // Nothing to place it on, or a strategy's error: not retried.
      reject(error);
      return;
    }
    const timeout = route.timeout;
    // As in every attempt: what is left of the deadline, at least 1 ms (a connection takes 0 as expired).
    const options: QueryOptions = timeout === undefined ? route : { ...route, timeout: Math.max(1, timeout - (clock.now() - started)) };
    const t0 = clock.now();
    const run = member.running.start(t0);
    const attempt = new FirstAttempt<M>(member, run, t0, clock, o.budget, this.#onFirstFailure, map, resolve, reject, session, sql, params, route, served, progress, started);
    try {
      if (handle !== undefined) o.io.queryOn(member, session, handle, sql, params, options).then((r) => attempt.ok(r), (e: unknown) => attempt.fail(e));
      else if (o.io.start !== undefined) o.io.start(member, session, sql, params, options, attempt);
      else o.io.query(member, session, sql, params, options).then((r) => attempt.ok(r), (e: unknown) => attempt.fail(e));
    } catch (error) {
      attempt.fail(error);
    }
  }

  /** The first attempt failed: decide as for any attempt, then go on with attempt 2 (or 1 again, for a dropped session). */
  readonly #onFirstFailure = (a: FirstAttempt<M>, error: unknown): void => {
    const state: RetryState = { exclude: undefined, dropped: 0 };
    let attempt: number;
    try {
      attempt = this.#failed(error, a.member, 1, state, a.sql, a.route, a.started);
    } catch (thrown) {
      a.reject(thrown);
      return;
    }
    const map = a.map;
    this.#retryLoop(a.session, a.sql, a.params, a.route, a.served, a.progress, a.started, state, attempt + 1)
      .then((result) => a.resolve(map === undefined ? result : map(result)), a.reject);
  };

  /** Attempts from `first` on, until one succeeds or the policy says stop. */
  async #retryLoop(
    session: string, sql: string, params: QueryParams | undefined, route: StatementRoute, served: { onOwner: boolean } | undefined,
    progress: RouteProgress<M> | undefined, started: number, state: RetryState, first: number,
  ): Promise<QueryResult<unknown>> {
    const o = this.#o;
    const clock = o.clock;
    const timeout = route.timeout;
    for (let attempt = first; ; attempt++) {
      const remaining = timeout === undefined ? undefined : timeout - (clock.now() - started);
      const exclude = state.exclude;
      const member = this.#pick(session, sql, route.readPreference, attempt, exclude ?? NOTHING_EXCLUDED, true, route.prefer ?? o.prefer, route.target);
      const handle = this.#pickedHandle;
      if (served !== undefined) served.onOwner = this.#pickedOnTarget && exclude === undefined;
      progress?.placed(member);
      const options: QueryOptions = remaining === undefined ? route : { ...route, timeout: Math.max(1, remaining) };
      const t0 = clock.now();
      const run = member.running.start(t0);
      try {
        const result = handle === undefined
          ? await o.io.query<unknown>(member, session, sql, params, options)
          : await o.io.queryOn<unknown>(member, session, handle, sql, params, options);
        recordServed(member, t0, clock, o.budget);
        return result;
      } catch (error) {
        attempt = this.#failed(error, member, attempt, state, sql, route, started);
      } finally {
        member.running.end(run);
      }
    }
  }

  /**
   * One attempt failed on `member`: throws what the caller should see, or returns the attempt number to go
   * on from (one less when a dropped session is ridden out, which spends no attempt), with `member` excluded.
   */
  #failed(error: unknown, member: M, attempt: number, state: RetryState, sql: string, route: StatementRoute, started: number): number {
    const o = this.#o;
    const clock = o.clock;
    const timeout = route.timeout;
    if (o.routeStale !== undefined && isStaleRouteError(error)) o.routeStale(error);
    const readOnly = route.readOnly ?? isReadOnlySql(sql);
    if (isDroppedSession(error) || (error instanceof TimeoutError && error.mayHaveReachedServer)) o.instanceSuspect(member);
    if (isDroppedSession(error) && (!error.mayHaveReachedServer || readOnly || route.idempotent === true)) {
      // Another caller's deadline cost this statement its session: no instance fault and no outage, so
      // go again on another connection without spending an attempt or the retry budget.
      if (timeout !== undefined && timeout - (clock.now() - started) < 1) throw deadlinePassed(error, timeout);
      if (state.dropped < MAX_DROPPED_SESSIONS) {
        state.dropped++;
        (state.exclude ??= new Set()).add(member.key);
        o.retried({ instance: member.ref, attempt, error, reason: classifyFailure(error).reason });
        return attempt - 1;
      }
    }
    const decision = decideRetry({
      error,
      idempotent: route.idempotent,
      readOnly,
      attempt,
      maxAttempts: o.maxAttempts,
      remainingMs: timeout === undefined ? undefined : timeout - (clock.now() - started),
      takeRetryToken: () => o.budget.tryWithdraw(clock.now()),
    });
    if (decision.quarantineInstance) o.instanceFailed(member, error as Error);
    if (!decision.retry) throw decision.outcomeUnknown ? outcomeUnknown(error, member) : error;
    (state.exclude ??= new Set()).add(member.key);
    o.retried({ instance: member.ref, attempt, error, reason: decision.reason });
    return attempt;
  }

  /**
   * Leases a connection for exclusive use. Nothing runs while leasing, so any failure may be tried on
   * another instance, within the same attempts, deadline and budget as statements.
   */
  async acquire(
    session: string, timeout: number, signal: AbortSignal | undefined, readPreference: ReadPreference | undefined, prefer?: Locality,
    target?: RouteTarget | null,
    progress?: RouteProgress<M>,
  ): Promise<PoolConnection> {
    const o = this.#o;
    const clock = o.clock;
    const started = clock.now();
    let exclude: Set<string> | undefined;
    for (let attempt = 1; ; attempt++) {
      const remaining = timeout - (clock.now() - started);
      const member = this.#pick(session, undefined, readPreference, attempt, exclude ?? NOTHING_EXCLUDED, false, prefer ?? o.prefer, target);
      const handle = this.#pickedHandle;
      progress?.placed(member);
      const run = member.running.start(clock.now());
      try {
        const conn = (handle === undefined ? undefined : o.io.acquireOn(member, session, handle))
          ?? await o.io.acquire(member, session, { timeout: Math.max(1, remaining), signal });
        o.budget.recordSuccess(clock.now());
        member.served++;
        // A held session is running work until it comes back: leastBusy must see it.
        onReleased(conn, () => member.running.end(run));
        return conn;
      } catch (error) {
        member.running.end(run);
        const decision = decideRetry({
          error,
          idempotent: true,
          readOnly: true,
          attempt,
          maxAttempts: o.maxAttempts,
          remainingMs: timeout - (clock.now() - started),
          takeRetryToken: () => o.budget.tryWithdraw(clock.now()),
        });
        if (decision.quarantineInstance) o.instanceFailed(member, error as Error);
        if (!decision.retry) throw error;
        (exclude ??= new Set()).add(member.key);
        o.retried({ instance: member.ref, attempt, error, reason: decision.reason });
      }
    }
  }

  /**
   * The instance (and, with a connection-level strategy, the connection) for the next attempt. Members
   * already tried are avoided while others remain; with none healthy, fails fast with each one's reason.
   * A keyed statement's `target` (the owner's healthy instances) wins over the locality preference.
   */
  #pick(
    session: string, sql: string | undefined, readPreference: ReadPreference | undefined, attempt: number, exclude: ReadonlySet<string>,
    shared: boolean, prefer: Locality | undefined, target: RouteTarget | null | undefined,
  ): M {
    const healthy = this.#candidates(exclude);
    if (healthy.length === 0) throw this.#o.noInstance();
    const owners = target == null ? undefined : restrictToTarget(healthy, target);
    this.#pickedOnTarget = owners !== undefined;
    const candidates = owners ?? preferLocality(healthy, prefer);
    if (this.#o.connectionStrategy !== undefined) {
      const picked = this.#pickConnection(candidates, session, shared);
      if (picked !== undefined) {
        this.#pickedHandle = picked.handle;
        return picked.member;
      }
      // No connection is open yet (or none has room): place by the default node strategy; the pool opens one.
    }
    this.#pickedHandle = undefined;
    if (candidates.length === 1) return candidates[0]!;
    return this.#pickMember(candidates, { sql, readPreference, attempt, exclude });
  }

  #pickMember(candidates: readonly M[], ctx: BalanceContext): M {
    const o = this.#o;
    // A built-in strategy returns one of its candidates, never throws and keeps nothing: no checks, no copies.
    if (o.strategyIsBuiltIn) return o.strategy(candidates, ctx) as M;
    const snapshots = candidates.map(snapshotInstance);
    const { picked, error } = runNodeStrategy(o.strategy, snapshots, ctx, { name: 'balanceStrategy', copy: true });
    if (error !== undefined) throw error;
    return candidates[snapshots.indexOf(picked)]!;
  }

  #pickConnection(candidates: readonly M[], session: string, shared: boolean): { member: M; handle: ConnectionHandle } | undefined {
    const io = this.#o.io;
    const handles: ConnectionHandle[] = [];
    const owners: M[] = [];
    for (const member of candidates) {
      for (const h of io.handles(member, session, shared)) {
        handles.push(h);
        owners.push(member);
      }
    }
    if (handles.length === 0) return undefined;
    const { picked, error } = runConnectionStrategy(this.#o.connectionStrategy!, handles, { name: 'connectionStrategy' });
    if (error !== undefined) throw error;
    return { member: owners[handles.indexOf(picked)]!, handle: picked };
  }

  #candidates(exclude: ReadonlySet<string>): readonly M[] {
    const healthy = this.#o.healthy();
    if (exclude.size === 0) return healthy;
    const rest = healthy.filter((m) => !exclude.has(m.key));
    return rest.length > 0 ? rest : healthy;
  }
}

/** The call's own deadline ran out while its statement was waiting to go again after a dropped session. */
function deadlinePassed(error: ConnectionError, timeout: number): TimeoutError {
  const sent = error.mayHaveReachedServer ? '; it had been sent, so it may have run' : '; it was not sent';
  return new TimeoutError(`query timed out after ${Math.round(timeout)} ms: its session was dropped for another caller's deadline${sent}`, {
    phase: error.phase,
    mayHaveReachedServer: error.mayHaveReachedServer,
    instance: error.instance,
  });
}

/** A failure after the statement may have reached the server, for a statement that is not safe to repeat. */
function outcomeUnknown(error: unknown, member: RoutableMember): unknown {
  if (!(error instanceof ConnectionError) || error instanceof OutcomeUnknownError) return error;
  return new OutcomeUnknownError(
    `the statement may or may not have been applied on instance ${member.name} (${member.address}): ${error.message}; it was not retried because it is not marked idempotent or read-only`,
    { phase: error.phase, instance: member.address, cause: error },
  );
}
