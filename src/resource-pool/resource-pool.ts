/**
 * A generic resource pool with exclusive and shared (pipelined) leases. It knows nothing about SQL: the
 * database layer hands it `create`/`destroy` and hooks, as pgxpool does with puddle.
 *
 * How waiting works (the rules every method below keeps):
 * - Waiters form one FIFO queue. Whatever frees capacity (a release, a finished create, a passed check)
 *   calls `dispatch()`, which hands the capacity directly to the oldest waiter that can use it, synchronously,
 *   so a caller that releases and re-acquires at once finds the queue non-empty and queues behind the others
 *   (asyncpg#1247 starved old waiters that way).
 * - A new caller never barges: an exclusive caller takes the fast path only when nobody waits; a shared caller
 *   only when no shared caller waits (see "exclusive vs shared" below for why that is not barging).
 * - Exclusive vs shared: an exclusive waiter needs a resource with no lease at all; under steady pipelined
 *   traffic no resource might ever reach zero leases, and the exclusive waiter would starve. Stopping all
 *   shared traffic behind it (strict FIFO) would avoid that but drain every connection's pipeline for one
 *   waiter. The middle road: when the head of the queue is exclusive and nothing is idle, the pool *reserves*
 *   the shared-leased resource with the fewest leases for it. A reserved resource takes no new shared leases,
 *   so it drains in bounded time (its in-flight leases end) and goes to that waiter; meanwhile shared waiters
 *   behind it, and new shared callers, keep using the other resources' spare pipeline slots, which the
 *   exclusive waiter could not use anyway. The waiter also gets any resource that becomes idle first, or the
 *   one created for it. Only the head holds a reservation: the next exclusive waiter reserves when it
 *   becomes the head, so each waits at most one drain per exclusive waiter ahead of it.
 * - A timed-out or aborted waiter leaves the queue in O(1). A resource handed to a waiter that settled in the
 *   meantime (possible only while an async `beforeAcquire` runs) goes back: to the next waiter or to idle.
 * - Never an `error` event: an idle resource's failure re-emitted as `error` crashed apps with no listener
 *   (node-postgres#3202). Failures reach the caller who can act (a waiter) or the counters and `createError`.
 */
import { EventEmitter } from 'node:events';
import { AbortError, ConfigError, PicotsError, PoolClosedError, PoolSaturatedError, PoolTimeoutError } from '../errors.js';
import { nonNegativeInt, nonNegativeMs, positiveInt } from '../config/validate.js';
import { DeadlineTimer } from './deadline-timer.js';
import { Entry, IdleList, type PoolResourceInfo } from './entry.js';
import {
  type AcquireOptions,
  type CloseOptions,
  type PoolOptions,
  positiveMsOrInfinity,
  type ResolvedPoolOptions,
  resolvePoolOptions,
} from './resource-pool-options.js';
import { type DestroyReason, PoolCounters, type PoolStats } from './pool-stats.js';
import { drainCandidate, leastLoaded } from './select.js';
import { callAsync, callDestroy, noop, runCheck } from './user-code.js';
import { Waiter, WaiterQueue } from './waiters.js';

/** Events a {@link ResourcePool} emits. There is deliberately no `error` event. */
export interface PoolEvents<T> {
  /** A new resource was created (before `setup`). */
  create: [resource: T];
  /** A lease was granted. */
  acquire: [resource: T];
  /** A lease ended. */
  release: [resource: T];
  /** A resource left the pool; its `destroy` has been called. */
  destroy: [resource: T, reason: DestroyReason];
  /** `create` (or `setup`) failed. The error also went to the oldest waiter, if any. */
  createError: [error: unknown];
}

/** First retry delay after a failed background create (for `minSize`); doubles up to {@link RETRY_MAX_MS}. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 10_000;

/**
 * A pool of resources (connections, typically) with FIFO waiters, exclusive and shared leases, lazy growth
 * up to `maxSize`, idle/lifetime/uses retirement, hooks, stats, events and a bounded graceful close.
 *
 * @example
 * ```ts
 * const pool = new ResourcePool({ create: () => connect(), destroy: (c) => c.close(), maxSize: 4, pipelining: 16 });
 * const conn = await pool.acquire({ shared: true, timeout: 1000 });
 * try { await conn.query('SELECT 1'); } finally { pool.release(conn); }
 * await pool.close();
 * ```
 */
export class ResourcePool<T extends object> extends EventEmitter<PoolEvents<T>> {
  private readonly o: ResolvedPoolOptions<T>;
  /** Every entry whose resource may still be released: live ones and dead ones with leases outstanding. */
  private readonly entries = new Map<T, Entry<T>>();
  /** Entries in the pool (ready or retiring): what `size` counts and what shared picks scan. */
  private readonly live: Entry<T>[] = [];
  private readonly idle = new IdleList<T>();
  private readonly waiters = new WaiterQueue<T>();
  private readonly counters = new PoolCounters();
  /** `create` + `setup` calls in flight. */
  private creating = 0;
  /** The head exclusive waiter and the resource held back to drain for it (see the file comment). */
  private reservedFor: Waiter<T> | null = null;
  private reservedEntry: Entry<T> | null = null;
  private dispatching = false;
  private redispatch = false;
  /** Idle and lifetime reaping: one unref'd timer, due at the earliest deadline. */
  private readonly reaper: DeadlineTimer;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryFailures = 0;
  /** Passed to every `create`; aborted when the pool is terminated or its drain times out. */
  private readonly createAbort = new AbortController();
  /** `destroy` promises not settled yet: `close()` waits for them. */
  private readonly destroying = new Set<Promise<void>>();
  private closing = false;
  private closed = false;
  private forced = false;
  private closePromise: Promise<void> | undefined;
  private resolveClose: () => void = noop;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;

  /** @throws {ConfigError} for a wrong or unknown option. */
  constructor(options: PoolOptions<T>) {
    super();
    this.o = resolvePoolOptions(options);
    this.reaper = new DeadlineTimer(() => this.reap(), this.o.now);
    this.ensureMin();
  }

  // ---------------------------------------------------------------- acquire

  /**
   * Leases a resource: exclusive by default (no other lease on it), or shared (`shared: true`, at most
   * `pipelining` shared leases per resource, least-loaded first). Waits in FIFO order when none is free.
   *
   * Rejects with {@link PoolTimeoutError}, {@link AbortError} (phase `acquire`), {@link PoolSaturatedError},
   * {@link PoolClosedError}, or the error of a failed `create` while this caller was the oldest waiter.
   *
   * @example
   * ```ts
   * const r = await pool.acquire({ timeout: 500, signal: AbortSignal.timeout(1000) });
   * try { use(r); } finally { pool.release(r); }
   * ```
   */
  acquire(opts?: AcquireOptions): Promise<T> {
    if (this.closing) return Promise.reject(new PoolClosedError(this.closed ? 'the pool is closed' : 'the pool is closing'));
    let shared = false;
    let timeout = this.o.acquireTimeout;
    let signal: AbortSignal | undefined;
    if (opts !== undefined) {
      shared = opts.shared === true;
      if (opts.timeout !== undefined) {
        try {
          timeout = positiveMsOrInfinity('timeout', opts.timeout);
        } catch (err) {
          return Promise.reject(err);
        }
      }
      signal = opts.signal;
      if (signal !== undefined && signal.aborted) {
        this.counters.abortedAcquireCount++;
        return Promise.reject(abortError(signal));
      }
    }
    // Fast path: something is free and nobody who could use it is waiting.
    if (shared ? this.waiters.shared === 0 : this.waiters.length === 0) {
      const e = shared ? this.pickShared() : this.pickIdle();
      if (e !== undefined) {
        const fresh = e.leases === 0;
        this.lease(e, shared);
        if (fresh && this.o.beforeAcquire !== undefined) {
          const ok = runCheck(this.o.beforeAcquire, e.resource);
          if (ok === false) {
            this.failCheck(e);
            return this.acquire(opts); // one resource fewer each time: bounded by the pool's size
          }
          if (ok !== true) {
            // An async check: wait for it like a waiter that is not in the queue (timeout and signal apply).
            const w = new Waiter<T>(shared, this.o.now(), signal);
            this.arm(w, timeout);
            this.beginCheck(w, e, ok);
            return w.promise;
          }
        }
        this.counters.acquireCount++;
        this.emitSafe('acquire', e.resource);
        return Promise.resolve(e.resource);
      }
    }
    return this.enqueue(shared, timeout, signal);
  }

  /**
   * Acquires a resource, runs `fn` with it and releases it, whether `fn` succeeds or throws. To get rid of a
   * broken resource, call {@link destroy} inside `fn`: the release that follows is then a no-op.
   *
   * @example const rows = await pool.withResource((conn) => conn.query('SELECT 1'), { shared: true });
   */
  async withResource<R>(fn: (resource: T) => R | Promise<R>, opts?: AcquireOptions): Promise<R> {
    const resource = await this.acquire(opts);
    try {
      return await fn(resource);
    } finally {
      this.release(resource);
    }
  }

  // ---------------------------------------------------------------- release, destroy, retire

  /**
   * Ends one lease (exclusive or shared) on `resource`. When it was the last lease: a retired, used-up or
   * expired resource is destroyed; otherwise `afterRelease` runs and the resource goes to the oldest waiter
   * that can use it, or to idle. Releasing a resource destroyed with {@link destroy} is a no-op.
   *
   * @throws {PicotsError} `ERR_PICOTS_POOL_RELEASE` when `resource` holds no lease (a double release).
   * @example pool.release(conn);
   */
  release(resource: T): void {
    const e = this.entries.get(resource);
    if (e === undefined || e.leases === 0) {
      throw new PicotsError(
        'ERR_PICOTS_POOL_RELEASE',
        e === undefined
          ? 'release(): this resource is not leased from this pool (released twice, or never acquired here?)'
          : 'release(): this resource holds no lease (released twice?)',
      );
    }
    e.leases--;
    if (e.state === 'dead') {
      if (e.leases === 0) this.entries.delete(resource);
      return;
    }
    this.emitSafe('release', resource);
    if (e.leases !== 0) {
      // A shared lease ended and others remain: one more pipeline slot is free.
      if (this.waiters.length !== 0) this.dispatch();
      return;
    }
    e.exclusive = false;
    if (e.state === 'retiring') {
      this.destroyEntry(e, e.retireReason);
      return;
    }
    const hook = this.o.afterRelease;
    if (hook !== undefined && !this.closing) {
      const ok = runCheck(hook, resource);
      if (ok === false) {
        this.destroyEntry(e, 'hook');
        return;
      }
      if (ok !== true) {
        e.checking = true;
        void ok.then((passed) => {
          e.checking = false;
          if (e.state === 'dead') return;
          if (passed) this.settle(e);
          else this.destroyEntry(e, 'hook');
        });
        return;
      }
    }
    this.settle(e);
  }

  /**
   * Removes `resource` from the pool now and calls `destroy` on it (for a resource that failed, e.g. its
   * socket died). No new leases; releasing its remaining leases later is a no-op. Unknown resources are
   * ignored. `reason` is what events and `stats().destroyedByReason` record (default `error`).
   *
   * @example conn.on('error', () => pool.destroy(conn));
   */
  destroy(resource: T, reason: DestroyReason = 'error'): void {
    const e = this.entries.get(resource);
    if (e !== undefined && e.state !== 'dead') this.destroyEntry(e, reason);
  }

  /**
   * Gives `resource` no new leases; it is destroyed when its last lease ends (at once if it has none).
   *
   * @example pool.retire(conn, 'server restarted'); // in-flight queries finish first
   */
  retire(resource: T, reason: DestroyReason = 'retired'): void {
    const e = this.entries.get(resource);
    if (e !== undefined) this.retireEntry(e, reason);
  }

  /**
   * Retires every current resource (reason `expired`): idle ones are destroyed now, leased ones when their
   * last lease ends. New resources replace them on demand (and up to `minSize` at once).
   *
   * @example pool.expire(); // e.g. after a credentials rotation
   */
  expire(): void {
    for (const e of this.live.slice()) this.retireEntry(e, 'expired');
  }

  /**
   * Changes the size limits of a running pool (the cluster client does this when instances join or leave).
   * Growing takes effect at once; shrinking never cuts a lease short: the surplus is taken from the idle
   * resources first (destroyed now), then from leased ones, which are retired and destroyed when their last
   * lease ends (reason `resized`).
   *
   * @example pool.resize({ maxSize: 3 });
   */
  resize(limits: { maxSize?: number; minSize?: number }): void {
    const maxSize = limits.maxSize === undefined ? this.o.maxSize : positiveInt('maxSize', limits.maxSize);
    const minSize = limits.minSize === undefined ? Math.min(this.o.minSize, maxSize) : nonNegativeInt('minSize', limits.minSize);
    if (minSize > maxSize) throw new ConfigError('minSize', `must be <= maxSize (${maxSize}), got ${minSize}`);
    this.o.maxSize = maxSize;
    this.o.minSize = minSize;
    let surplus = -maxSize;
    for (const e of this.live) if (e.state === 'ready') surplus++;
    while (surplus > 0 && this.idle.head !== null) {
      this.retireEntry(this.idle.head, 'resized');
      surplus--;
    }
    for (const e of this.live.slice()) {
      if (surplus <= 0) break;
      if (e.state === 'ready') {
        this.retireEntry(e, 'resized');
        surplus--;
      }
    }
    this.ensureMin();
    this.grow();
  }

  /**
   * Leases this particular resource now, if it can take the lease at once (for a caller that chose the
   * resource itself, like picopyn's connection-level balance strategy); returns false otherwise, and then
   * nothing changed. Hooks are not run: the resource is already in the caller's hands.
   */
  tryAcquire(resource: T, opts?: { shared?: boolean }): boolean {
    const e = this.entries.get(resource);
    if (e === undefined || this.closing || e.state !== 'ready' || e.checking) return false;
    const shared = opts?.shared === true;
    if (shared ? e.exclusive || e.reserved || e.leases >= this.o.pipelining : e.leases !== 0) return false;
    if (this.o.isUsable !== undefined && !this.usable(e)) return false;
    this.lease(e, shared);
    this.counters.acquireCount++;
    this.emitSafe('acquire', e.resource);
    return true;
  }

  /** Resources with no lease right now (a cheap gauge for balancing). */
  get idleCount(): number {
    return this.idle.length;
  }

  // ---------------------------------------------------------------- close

  /**
   * Closes the pool: new acquires fail with {@link PoolClosedError}, waiters are rejected with it, idle
   * resources are destroyed, leased ones are destroyed as they come back. After `drainTimeout` ms the rest
   * are destroyed anyway and `create` calls in flight see their signal abort. Resolves once every `destroy`
   * has settled and every in-flight `create` has settled (and what it made is destroyed). Rejects only for
   * a bad `drainTimeout` ({@link ConfigError}); calling it again returns the same promise.
   *
   * Waits for the `create`/`destroy` promises the pool started: a `create` that ignores its signal or a
   * `destroy` that never settles holds `close()` up (node-postgres#2199 hung on its own bookkeeping instead).
   *
   * @example await pool.close({ drainTimeout: 5_000 });
   */
  close(opts?: CloseOptions): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    let drainTimeout = 30_000;
    if (opts?.drainTimeout !== undefined) {
      try {
        drainTimeout = nonNegativeMs('drainTimeout', opts.drainTimeout, { allowInfinity: true });
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const p = this.beginClose();
    if (drainTimeout === 0) this.force();
    else if (drainTimeout !== Infinity && !this.closed) this.drainTimer = setTimeout(() => this.force(), drainTimeout);
    this.checkClosed();
    return p;
  }

  /**
   * Closes at once: like {@link close} with no drain — leased resources are destroyed now (their holders'
   * later releases are no-ops) and in-flight `create` calls are aborted. Resolves when every `destroy` and
   * `create` has settled.
   *
   * @example process.on('SIGTERM', () => void pool.terminate());
   */
  terminate(): Promise<void> {
    const p = this.beginClose();
    this.force();
    this.checkClosed();
    return p;
  }

  /** True from the first `close()`/`terminate()` call on. */
  isClosing(): boolean {
    return this.closing;
  }

  /** True once closing has finished: nothing left in the pool, nothing being created or destroyed. */
  isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- introspection

  /** Resources in the pool now (idle, leased, being checked or retiring with leases left). */
  get size(): number {
    return this.live.length;
  }

  /**
   * Leases held on `resource` right now: 0 for a resource the pool does not know; for one removed with
   * {@link destroy}, the leases not released yet.
   */
  leaseCount(resource: T): number {
    return this.entries.get(resource)?.leases ?? 0;
  }

  /**
   * The resources in the pool with their lease state, as read-only views (a copy of the list: the pool may
   * change while you iterate).
   *
   * @example for (const r of pool.resources()) if (r.leases === 0) ping(r.resource);
   */
  *resources(): IterableIterator<PoolResourceInfo<T>> {
    yield* this.live.slice();
  }

  /**
   * A plain snapshot of gauges and counters, cheap to take (one pass over at most `maxSize` resources).
   *
   * @example const { size, leased, waiting } = pool.stats();
   */
  stats(): PoolStats {
    let leased = 0;
    let leases = 0;
    for (const e of this.live) {
      if (e.leases !== 0) {
        leased++;
        leases += e.leases;
      }
    }
    const c = this.counters;
    return {
      size: this.live.length,
      idle: this.idle.length,
      leased,
      leases,
      creating: this.creating,
      waiting: this.waiters.length,
      minSize: this.o.minSize,
      maxSize: this.o.maxSize,
      acquireCount: c.acquireCount,
      waitedAcquireCount: c.waitedAcquireCount,
      acquireWaitTimeMs: c.acquireWaitTimeMs,
      timedOutAcquireCount: c.timedOutAcquireCount,
      abortedAcquireCount: c.abortedAcquireCount,
      saturatedCount: c.saturatedCount,
      createdCount: c.createdCount,
      createFailedCount: c.createFailedCount,
      destroyedCount: c.destroyedCount,
      destroyedByReason: { ...c.destroyedByReason },
    };
  }

  // ================================================================ internals

  // ---------------------------------------------------------------- picking and leasing

  /** The most recently idled usable resource (LIFO), destroying expired or unusable ones on the way. */
  private pickIdle(): Entry<T> | undefined {
    for (;;) {
      const e = this.idle.pop();
      if (e === null) return undefined;
      if (!this.dropIfStale(e)) return e;
    }
  }

  /**
   * Where a shared lease goes: an idle resource if any, else the ready, non-exclusive, unreserved resource
   * with the fewest leases below `pipelining`. A linear scan without allocation: `maxSize` is small.
   */
  private pickShared(): Entry<T> | undefined {
    if (this.idle.length !== 0) {
      const e = this.pickIdle();
      if (e !== undefined) return e;
    }
    const cap = this.o.pipelining;
    if (cap === 1) return undefined; // only an idle resource has room
    for (;;) {
      const best = leastLoaded(this.live, cap);
      if (best === undefined) return undefined;
      if (!this.dropIfStale(best)) return best;
    }
  }

  /**
   * Takes `e` out of service when its lifetime is over (retired: destroyed now if it has no lease, else when
   * its last one ends) or `isUsable` rejects it (destroyed now); true when it did.
   */
  private dropIfStale(e: Entry<T>): boolean {
    if (this.o.maxLifetime !== 0 && e.expiresAt <= this.o.now()) {
      this.retireEntry(e, 'lifetime');
      return true;
    }
    if (this.o.isUsable !== undefined && !this.usable(e)) {
      this.destroyEntry(e, 'unusable');
      return true;
    }
    return false;
  }

  private usable(e: Entry<T>): boolean {
    try {
      return this.o.isUsable!(e.resource) !== false;
    } catch {
      return false;
    }
  }

  /** Takes one lease on `e` (picked by `pickIdle`/`pickShared`, so it has room). */
  private lease(e: Entry<T>, shared: boolean): void {
    if (e.inIdle) this.idle.remove(e);
    e.leases++;
    e.exclusive = !shared;
    e.uses++;
    if (this.o.maxUses !== 0 && e.uses >= this.o.maxUses) this.retireEntry(e, 'uses');
    else if (shared && e.leases > 1 && this.creating === 0 && this.live.length < this.o.maxSize && !this.closing) {
      // Every usable resource already carries a lease (the least loaded one did): grow by one in the
      // background; this caller does not wait for it.
      this.startCreate();
    }
  }

  /** `beforeAcquire` said no right away: drop the lease just taken and the resource with it. */
  private failCheck(e: Entry<T>): void {
    e.leases--;
    e.exclusive = false;
    this.destroyEntry(e, 'hook');
  }

  /** Waits for an async `beforeAcquire` on `e`, leased for `w`; the entry takes no other lease meanwhile. */
  private beginCheck(w: Waiter<T>, e: Entry<T>, check: Promise<boolean>): void {
    e.checking = true;
    void check.then((ok) => {
      e.checking = false;
      if (e.state === 'dead') {
        this.giveBack(e); // destroyed meanwhile: only the zombie lease to drop
        this.retryWaiter(w);
      } else if (!ok) {
        e.leases--;
        e.exclusive = false;
        this.destroyEntry(e, 'hook');
        this.retryWaiter(w);
      } else if (w.settled || this.closing) {
        // The caller timed out or aborted while the check ran: the resource must not be lost.
        if (!w.settled) this.failWaiter(w, new PoolClosedError('the pool is closing'));
        this.giveBack(e);
      } else {
        this.grant(w, e);
        if (this.waiters.length !== 0 && !e.exclusive) this.dispatch(); // it may take more shared leases
      }
    });
  }

  /** Puts a waiter whose resource failed its check back at the front of the queue. */
  private retryWaiter(w: Waiter<T>): void {
    if (w.settled) return;
    if (this.closing) {
      this.failWaiter(w, new PoolClosedError('the pool is closing'));
      return;
    }
    w.waited = true;
    this.waiters.unshift(w);
    this.dispatch();
  }

  /** Ends a lease that was never handed out (its waiter left, or the pool is closing). */
  private giveBack(e: Entry<T>): void {
    e.leases--;
    if (e.state === 'dead') {
      if (e.leases === 0) this.entries.delete(e.resource);
      return;
    }
    if (e.leases === 0) {
      e.exclusive = false;
      this.settle(e);
    } else if (this.waiters.length !== 0) {
      this.dispatch();
    }
  }

  /** `e` has no lease left and passed `afterRelease`: destroy it if it is done for, else make it idle. */
  private settle(e: Entry<T>): void {
    if (e.state === 'retiring') {
      this.destroyEntry(e, e.retireReason);
      return;
    }
    if (this.closing) {
      this.destroyEntry(e, 'closed');
      return;
    }
    const o = this.o;
    if (o.maxLifetime !== 0 || o.idleTimeout !== 0) {
      const now = o.now();
      if (e.expiresAt <= now) {
        this.destroyEntry(e, 'lifetime');
        return;
      }
      if (o.idleTimeout !== 0) {
        e.idleSince = now;
        if (this.live.length > o.minSize) this.reaper.by(now + o.idleTimeout);
      }
    }
    if (e.reserved) this.unreserve();
    this.idle.push(e);
    if (this.waiters.length !== 0) this.dispatch();
  }

  // ---------------------------------------------------------------- waiting

  private enqueue(shared: boolean, timeout: number, signal: AbortSignal | undefined): Promise<T> {
    // A caller for whom a new resource can be created is not refused: maxWaiters bounds the queue of a full pool.
    if (this.waiters.length >= this.o.maxWaiters && this.live.length + this.creating >= this.o.maxSize) {
      this.counters.saturatedCount++;
      return Promise.reject(
        new PoolSaturatedError(`pool saturated: ${this.waiters.length} callers already waiting (maxWaiters ${this.o.maxWaiters}); ${this.describe()}`),
      );
    }
    const w = new Waiter<T>(shared, this.o.now(), signal);
    w.waited = true;
    this.waiters.push(w);
    this.arm(w, timeout);
    this.dispatch(); // sets up the reservation when this exclusive waiter is now the head; starts creates
    return w.promise;
  }

  private arm(w: Waiter<T>, timeout: number): void {
    if (timeout !== Infinity) w.timer = setTimeout(this.onTimeout, timeout, w);
    if (w.signal !== undefined) {
      w.onAbort = () => this.onAbort(w);
      w.signal.addEventListener('abort', w.onAbort, { once: true });
    }
  }

  private readonly onTimeout = (w: Waiter<T>): void => {
    w.timer = undefined;
    if (w.settled) return;
    this.counters.timedOutAcquireCount++;
    this.waiters.remove(w); // before describe(): "N waiting" counts the others
    const waited = Math.round(this.o.now() - w.since);
    this.failWaiter(w, new PoolTimeoutError(`acquire timed out after ${waited} ms (${this.describe()})`));
    if (this.waiters.length !== 0) this.dispatch();
  };

  private onAbort(w: Waiter<T>): void {
    if (w.settled) return;
    this.counters.abortedAcquireCount++;
    this.failWaiter(w, abortError(w.signal!));
    if (this.waiters.length !== 0) this.dispatch();
  }

  /** Marks `w` settled and drops its timer and abort listener. */
  private finish(w: Waiter<T>): void {
    w.settled = true;
    if (w.timer !== undefined) {
      clearTimeout(w.timer);
      w.timer = undefined;
    }
    if (w.onAbort !== undefined) {
      w.signal!.removeEventListener('abort', w.onAbort);
      w.onAbort = undefined;
    }
  }

  private failWaiter(w: Waiter<T>, err: unknown): void {
    this.waiters.remove(w);
    if (this.reservedFor === w) this.unreserve();
    this.finish(w);
    w.reject(err);
  }

  /** Hands the lease `w` holds on `e` to its caller. */
  private grant(w: Waiter<T>, e: Entry<T>): void {
    this.finish(w);
    const c = this.counters;
    c.acquireCount++;
    if (w.waited) {
      c.waitedAcquireCount++;
      c.acquireWaitTimeMs += this.o.now() - w.since;
    }
    this.emitSafe('acquire', e.resource);
    w.resolve(e.resource);
  }

  /**
   * Hands free capacity to waiters, oldest first (pg-pool's `_pulseQueue`, plus the shared/exclusive rule in
   * the file comment). Re-entrant calls (an event listener that releases) are folded into the running one.
   */
  private dispatch(): void {
    if (this.dispatching) {
      this.redispatch = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.redispatch = false;
        this.serveQueue();
      } while (this.redispatch);
    } finally {
      this.dispatching = false;
    }
    this.grow(); // waiters left over (or put back after a failed check) may need creates
  }

  private serveQueue(): void {
    for (let w = this.waiters.head; w !== null; w = this.waiters.head) {
      if (w.shared) {
        // No room for the oldest shared waiter means no room for any (and nothing idle for exclusive ones).
        const e = this.pickShared();
        if (e === undefined) return;
        this.serve(w, e, true);
      } else {
        const e = this.pickIdle();
        if (e === undefined) {
          this.reserveFor(w);
          this.serveSharedBehind(w);
          return;
        }
        this.serve(w, e, false);
      }
    }
  }

  /**
   * The head is an exclusive waiter with nothing idle for it: shared waiters behind it may use spare pipeline
   * slots on resources other than the one reserved for it. None of these resources is fresh (nothing is idle),
   * so no `beforeAcquire` runs here and nobody is put back in front of the head.
   */
  private serveSharedBehind(head: Waiter<T>): void {
    if (this.waiters.shared === 0 || this.o.pipelining === 1) return;
    let w = head.next;
    while (w !== null) {
      const next = w.next;
      if (this.idle.length !== 0) {
        // Something went idle meanwhile (an event listener released it): the exclusive head comes first.
        this.redispatch = true;
        return;
      }
      if (w.shared) {
        const e = this.pickShared();
        if (e === undefined) return;
        this.serve(w, e, true);
        if (next !== null && !next.queued) {
          // An event listener changed the queue under us (e.g. closed the pool): start over from the head.
          this.redispatch = true;
          return;
        }
      }
      w = next;
    }
  }

  private serve(w: Waiter<T>, e: Entry<T>, shared: boolean): void {
    this.waiters.remove(w);
    if (this.reservedFor === w) this.unreserve();
    const fresh = e.leases === 0;
    this.lease(e, shared);
    if (fresh && this.o.beforeAcquire !== undefined) {
      const ok = runCheck(this.o.beforeAcquire, e.resource);
      if (ok === false) {
        this.failCheck(e);
        this.waiters.unshift(w); // keeps its place; the dispatch loop tries again
        return;
      }
      if (ok !== true) {
        this.beginCheck(w, e, ok);
        return;
      }
    }
    this.grant(w, e);
  }

  /** Holds back the shared-leased resource with the fewest leases for exclusive head `w` (file comment). */
  private reserveFor(w: Waiter<T>): void {
    if (this.reservedFor === w) return;
    this.unreserve();
    const best = drainCandidate(this.live);
    if (best === undefined) return; // every resource is held exclusively: the next release serves w
    best.reserved = true;
    this.reservedEntry = best;
    this.reservedFor = w;
  }

  private unreserve(): void {
    if (this.reservedEntry !== null) this.reservedEntry.reserved = false;
    this.reservedEntry = null;
    this.reservedFor = null;
  }

  // ---------------------------------------------------------------- creating

  /** Starts creates for waiters that the current resources cannot serve (lazy growth up to `maxSize`). */
  private grow(): void {
    const q = this.waiters;
    if (this.closing || q.length === 0) return;
    const demand = q.length - q.shared + Math.ceil(q.shared / this.o.pipelining);
    while (this.creating < demand && this.live.length + this.creating < this.o.maxSize) this.startCreate();
  }

  /** Keeps `minSize` resources, unless a failed background create is backing off. */
  private ensureMin(): void {
    if (this.closing || this.retryTimer !== undefined) return;
    while (this.live.length + this.creating < this.o.minSize) this.startCreate();
  }

  private startCreate(): void {
    this.creating++;
    callAsync(this.o.create, this.createAbort.signal).then(
      (r) => this.created(r),
      (err: unknown) => this.createFailed(err, undefined),
    );
  }

  private created(r: T): void {
    this.counters.createdCount++;
    this.emitSafe('create', r);
    if (this.closing || this.o.setup === undefined) {
      this.ready(r);
      return;
    }
    callAsync(this.o.setup, r).then(
      () => this.ready(r),
      (err: unknown) => this.createFailed(err, r),
    );
  }

  /** A new resource passed `setup`: it joins the pool and goes to the oldest waiter, or to idle. */
  private ready(r: T): void {
    this.creating--;
    this.retryFailures = 0;
    if (this.closing) {
      this.disposeNew(r, 'closed');
      this.checkClosed();
      return;
    }
    const now = this.o.now();
    const life = this.o.maxLifetime;
    // ±10 % jitter so that resources created together do not all expire (and reconnect) together.
    const expiresAt = life === 0 ? Infinity : now + life * (0.9 + 0.2 * Math.random());
    const e = new Entry(r, now, expiresAt);
    this.entries.set(r, e);
    e.liveIndex = this.live.length;
    this.live.push(e);
    if (expiresAt !== Infinity) this.reaper.by(expiresAt);
    this.settle(e);
  }

  /**
   * `create` failed, or `setup` failed on `made`. The oldest waiter gets the error now (a wrong password
   * fails fast instead of timing out); the others keep waiting and get creates of their own.
   */
  private createFailed(err: unknown, made: T | undefined): void {
    this.creating--;
    this.counters.createFailedCount++;
    if (made !== undefined) this.disposeNew(made, 'setup');
    this.emitSafe('createError', err);
    if (this.closing) {
      this.checkClosed();
      return;
    }
    const head = this.waiters.head;
    if (head !== null) this.failWaiter(head, err);
    if (this.live.length + this.creating < this.o.minSize) this.scheduleRetry();
    this.grow();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closing) return;
    const base = Math.min(RETRY_MIN_MS * 2 ** this.retryFailures, RETRY_MAX_MS);
    this.retryFailures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureMin();
    }, base * (0.75 + Math.random() / 4));
    this.retryTimer.unref();
  }

  // ---------------------------------------------------------------- destroying

  private retireEntry(e: Entry<T>, reason: string): void {
    if (e.state !== 'ready') return;
    if (e.leases === 0 && !e.checking) {
      this.destroyEntry(e, reason);
      return;
    }
    e.state = 'retiring';
    e.retireReason = reason;
    if (e.reserved) this.unreserve();
  }

  private destroyEntry(e: Entry<T>, reason: string): void {
    if (e.state === 'dead') return;
    e.state = 'dead';
    if (e.inIdle) this.idle.remove(e);
    // Swap-remove from `live`.
    const last = this.live.pop()!;
    if (last !== e) {
      this.live[e.liveIndex] = last;
      last.liveIndex = e.liveIndex;
    }
    e.liveIndex = -1;
    if (e.reserved) this.unreserve();
    if (e.leases === 0) this.entries.delete(e.resource);
    this.disposeNew(e.resource, reason);
    if (this.closing) {
      this.checkClosed();
    } else {
      this.ensureMin();
      this.grow();
    }
  }

  /** Counts, announces and calls `destroy`; its promise is tracked for `close()`, its failure swallowed. */
  private disposeNew(r: T, reason: string): void {
    this.counters.destroyed(reason);
    this.emitSafe('destroy', r, reason);
    const p = callDestroy(this.o.destroy, r);
    if (p !== undefined) {
      const tracked: Promise<void> = p.then(() => {
        this.destroying.delete(tracked);
        this.checkClosed();
      });
      this.destroying.add(tracked);
    }
  }

  // ---------------------------------------------------------------- closing

  private beginClose(): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    this.closing = true;
    this.closePromise = new Promise<void>((resolve) => (this.resolveClose = resolve));
    this.reaper.cancel();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const w of this.waiters.drain()) this.failWaiter(w, new PoolClosedError('the pool is closing'));
    for (let e = this.idle.pop(); e !== null; e = this.idle.pop()) this.destroyEntry(e, 'closed');
    return this.closePromise;
  }

  /** The drain is over: destroy what is still leased and abort creates in flight. */
  private force(): void {
    if (this.forced) return;
    this.forced = true;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.createAbort.abort(new PoolClosedError('the pool was terminated'));
    for (const e of this.live.slice()) this.destroyEntry(e, 'closed');
  }

  private checkClosed(): void {
    if (!this.closing || this.closed) return;
    if (this.live.length !== 0 || this.creating !== 0 || this.destroying.size !== 0) return;
    this.closed = true;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.resolveClose();
  }

  // ---------------------------------------------------------------- idle and lifetime reaping

  /** Destroys idle resources past `idleTimeout` (down to `minSize`) and retires those past their lifetime. */
  private reap(): void {
    if (this.closing) return;
    const o = this.o;
    const now = o.now();
    let next = Infinity;
    if (o.maxLifetime !== 0) {
      // Backwards, because destroyEntry swap-removes from `live`.
      for (let i = this.live.length - 1; i >= 0; i--) {
        const e = this.live[i];
        if (e === undefined || e.state !== 'ready') continue;
        if (e.expiresAt <= now) this.retireEntry(e, 'lifetime');
        else if (e.expiresAt < next) next = e.expiresAt;
      }
    }
    if (o.idleTimeout !== 0) {
      // The idle list's head has been idle the longest (see IdleList); keep minSize.
      let e = this.idle.head;
      while (e !== null && this.live.length > o.minSize && now - e.idleSince >= o.idleTimeout) {
        this.destroyEntry(e, 'idle');
        e = this.idle.head;
      }
      if (e !== null && this.live.length > o.minSize) next = Math.min(next, e.idleSince + o.idleTimeout);
    }
    if (next !== Infinity) this.reaper.by(next);
  }

  // ---------------------------------------------------------------- helpers

  /** "size 3/10, 3 in use, 12 waiting, 1 creating", for error messages. */
  private describe(): string {
    let leased = 0;
    for (const e of this.live) if (e.leases !== 0) leased++;
    return `pool size ${this.live.length}/${this.o.maxSize}, ${leased} in use, ${this.waiters.length} waiting, ${this.creating} creating`;
  }

  /**
   * Emits without letting a throwing listener corrupt the pool mid-operation: the listener's error is
   * rethrown on its own (as an uncaught exception, like a throwing timer callback), after the pool's state
   * is consistent again.
   */
  private emitSafe(event: keyof PoolEvents<T>, a: unknown, b?: unknown): void {
    const ee = this as unknown as EventEmitter;
    try {
      if (b === undefined) ee.emit(event, a);
      else ee.emit(event, a, b);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('acquire aborted while waiting for a pooled resource', {
    phase: 'acquire',
    mayHaveReachedServer: false,
    cause: signal.reason,
  });
}
