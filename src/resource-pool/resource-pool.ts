/**
 * The public face of the generic resource pool: exclusive and shared (pipelined) leases handed out as
 * {@link Lease} handles, sizing, retirement, close, stats and events. It knows nothing about SQL: the
 * database layer hands it `create`/`destroy` and hooks, as pgxpool does with puddle.
 *
 * The decisions live next door: which waiter gets which resource in dispatch.ts, waiting in
 * acquire-wait.ts, lease bookkeeping in lease.ts, creating/destroying/reaping/closing in lifecycle.ts.
 */
import { EventEmitter } from 'node:events';
import { ConfigError, PoolClosedError } from '../errors.js';
import { nonNegativeInt, nonNegativeMs, positiveInt } from '../config/validate.js';
import { abortError, armWaiter, enqueue } from './acquire-wait.js';
import { beginCheck, failCheck, pickIdle, pickShared } from './dispatch.js';
import type { PoolResourceInfo } from './entry.js';
import { Lease, takeLease } from './lease.js';
import { beginClose, checkClosed, destroyEntry, ensureMin, force, grow, reap, retireEntry, startDrainTimer } from './lifecycle.js';
import { PoolCore, type PoolWarning } from './pool-core.js';
import type { DestroyReason, PoolStats } from './pool-stats.js';
import { type AcquireOptions, type CloseOptions, type ResourcePoolOptions, positiveMsOrInfinity, resolveResourcePoolOptions } from './resource-pool-options.js';
import { runCheck } from './user-code.js';
import { Waiter } from './waiters.js';

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
  /** A caller's mistake the pool absorbed, e.g. a lease released twice (`ERR_PICOTS_DOUBLE_RELEASE`). */
  warning: [warning: PoolWarning];
}

/**
 * A pool of resources (connections, typically) with FIFO waiters, exclusive and shared leases, lazy growth
 * up to `maxSize`, idle/lifetime/uses retirement, hooks, stats, events and a bounded graceful close.
 *
 * @example
 * ```ts
 * const pool = new ResourcePool({ create: () => connect(), destroy: (c) => c.close(), maxSize: 4, pipelining: 16 });
 * const lease = await pool.acquire({ shared: true, timeout: 1000 });
 * try { await lease.resource.query('SELECT 1'); } finally { lease.release(); }
 * await pool.close();
 * ```
 */
export class ResourcePool<T extends object> extends EventEmitter<PoolEvents<T>> {
  readonly #p: PoolCore<T>;

  /** @throws {ConfigError} for a wrong or unknown option. */
  constructor(options: ResourcePoolOptions<T>) {
    super();
    this.#p = new PoolCore<T>(resolveResourcePoolOptions(options), this as unknown as EventEmitter, reap);
    ensureMin(this.#p);
  }

  // ---------------------------------------------------------------- leases

  /**
   * Leases a resource: exclusive by default (no other lease on it), or shared (`shared: true`, at most
   * `pipelining` shared leases per resource, least-loaded first). Waits in FIFO order when none is free.
   *
   * Rejects with {@link PoolTimeoutError}, {@link AbortError} (phase `acquire`), {@link PoolSaturatedError},
   * {@link PoolClosedError}, or the error of a failed `create` while this caller was the oldest waiter.
   *
   * @example
   * ```ts
   * const lease = await pool.acquire({ timeout: 500, signal: AbortSignal.timeout(1000) });
   * try { use(lease.resource); } finally { lease.release(); }
   * ```
   */
  acquire(opts?: AcquireOptions): Promise<Lease<T>> {
    const p = this.#p;
    if (p.closing) return Promise.reject(new PoolClosedError(p.closed ? 'the pool is closed' : 'the pool is closing'));
    let shared = false;
    let timeout = p.o.acquireTimeout;
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
        p.counters.abortedAcquireCount++;
        return Promise.reject(abortError(signal));
      }
    }
    // Fast path: something is free and nobody who could use it is waiting (dispatch.ts: no barging).
    const now = this.tryLeaseNow(shared);
    if (now !== undefined) return Promise.resolve(now);
    // With a `beforeAcquire` hook, which runs on a resource that had no lease.
    const hook = p.o.beforeAcquire;
    if (hook !== undefined && (shared ? p.waiters.shared === 0 : p.waiters.length === 0)) {
      const e = shared ? pickShared(p) : pickIdle(p);
      if (e !== undefined) {
        const fresh = e.leases === 0;
        takeLease(p, e, shared);
        if (fresh) {
          const ok = runCheck(hook, e.resource);
          if (ok === false) {
            failCheck(p, e);
            return this.acquire(opts); // one resource fewer each time: bounded by the pool's size
          }
          if (ok !== true) {
            // An async check: wait for it like a waiter that is not in the queue (timeout and signal apply).
            const w = new Waiter<T>(shared, p.o.now(), signal);
            armWaiter(p, w, timeout);
            beginCheck(p, w, e, ok);
            return w.promise;
          }
        }
        p.counters.acquireCount++;
        p.emit('acquire', e.resource);
        return Promise.resolve(new Lease(p, e, shared));
      }
    }
    return enqueue(p, shared, timeout, signal);
  }

  /**
   * A lease at once, without waiting, when a resource is free for it and nobody is queued for one; else
   * undefined (then use {@link acquire}). No promise and no timer: the statement path of a pipelined pool
   * takes this first. Always undefined when a `beforeAcquire` hook is configured.
   *
   * @example const lease = pool.tryLeaseNow(true) ?? await pool.acquire({ shared: true });
   */
  tryLeaseNow(shared: boolean): Lease<T> | undefined {
    const p = this.#p;
    // Picking takes an idle resource off its list, so decide on the hook before picking.
    if (p.closing || p.o.beforeAcquire !== undefined || (shared ? p.waiters.shared !== 0 : p.waiters.length !== 0)) return undefined;
    const e = shared ? pickShared(p) : pickIdle(p);
    if (e === undefined) return undefined;
    takeLease(p, e, shared);
    p.counters.acquireCount++;
    p.emit('acquire', e.resource);
    return new Lease(p, e, shared);
  }

  /**
   * Acquires a resource, runs `fn` with it and releases it, whether `fn` succeeds or throws. To get rid of a
   * broken resource, call {@link destroy} inside `fn`: the release that follows is then a no-op.
   *
   * @example const rows = await pool.withResource((conn) => conn.query('SELECT 1'), { shared: true });
   */
  async withResource<R>(fn: (resource: T) => R | Promise<R>, opts?: AcquireOptions): Promise<R> {
    const lease = await this.acquire(opts);
    try {
      return await fn(lease.resource);
    } finally {
      lease.release();
    }
  }

  /**
   * Leases this particular resource now, if it can take the lease at once (for a caller that chose the
   * resource itself, like picopyn's connection-level balance strategy); `undefined` otherwise, and then
   * nothing changed. Hooks are not run: the resource is already in the caller's hands.
   *
   * @example const lease = pool.tryAcquire(conn, { shared: true }) ?? (await pool.acquire({ shared: true }));
   */
  tryAcquire(resource: T, opts?: { shared?: boolean }): Lease<T> | undefined {
    const p = this.#p;
    const e = p.entries.get(resource);
    if (e === undefined || p.closing || e.state !== 'ready' || e.checking) return undefined;
    const shared = opts?.shared === true;
    if (shared ? e.exclusive || e.reserved || e.leases >= p.o.pipelining : e.leases !== 0) return undefined;
    if (p.o.isUsable !== undefined && !p.usable(e)) return undefined;
    takeLease(p, e, shared);
    p.counters.acquireCount++;
    p.emit('acquire', e.resource);
    return new Lease(p, e, shared);
  }

  // ---------------------------------------------------------------- resource-level calls

  /**
   * Removes `resource` from the pool now and calls `destroy` on it (for a resource that failed while no
   * caller held it, e.g. its socket died). No new leases; releasing its remaining leases later is a no-op.
   * Unknown resources are ignored. `reason` is what events and `stats().destroyedByReason` record (default
   * `error`). A lease holder should call {@link Lease.destroy} instead.
   *
   * @example conn.on('close', () => pool.destroy(conn, 'closed'));
   */
  destroy(resource: T, reason: DestroyReason = 'error'): void {
    const e = this.#p.entries.get(resource);
    if (e !== undefined && e.state !== 'dead') destroyEntry(this.#p, e, reason);
  }

  /**
   * Gives `resource` no new leases; it is destroyed when its last lease ends (at once if it has none).
   *
   * @example pool.retire(conn, 'server restarted'); // in-flight queries finish first
   */
  retire(resource: T, reason: DestroyReason = 'retired'): void {
    const e = this.#p.entries.get(resource);
    if (e !== undefined) retireEntry(this.#p, e, reason);
  }

  /**
   * Retires every current resource (reason `expired`): idle ones are destroyed now, leased ones when their
   * last lease ends. New resources replace them on demand (and up to `minSize` at once).
   *
   * @example pool.expire(); // e.g. after a credentials rotation
   */
  expire(): void {
    for (const e of this.#p.live.slice()) retireEntry(this.#p, e, 'expired');
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
    const p = this.#p;
    const maxSize = limits.maxSize === undefined ? p.o.maxSize : positiveInt('maxSize', limits.maxSize);
    const minSize = limits.minSize === undefined ? Math.min(p.o.minSize, maxSize) : nonNegativeInt('minSize', limits.minSize);
    if (minSize > maxSize) throw new ConfigError('minSize', `must be <= maxSize (${maxSize}), got ${minSize}`);
    p.o.maxSize = maxSize;
    p.o.minSize = minSize;
    let surplus = -maxSize;
    for (const e of p.live) if (e.state === 'ready') surplus++;
    while (surplus > 0 && p.idle.head !== null) {
      retireEntry(p, p.idle.head, 'resized');
      surplus--;
    }
    for (const e of p.live.slice()) {
      if (surplus <= 0) break;
      if (e.state === 'ready') {
        retireEntry(p, e, 'resized');
        surplus--;
      }
    }
    ensureMin(p);
    grow(p);
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
    const p = this.#p;
    if (p.closePromise !== undefined) return p.closePromise;
    let drainTimeout = 30_000;
    if (opts?.drainTimeout !== undefined) {
      try {
        drainTimeout = nonNegativeMs('drainTimeout', opts.drainTimeout, { allowInfinity: true });
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const done = beginClose(p);
    if (drainTimeout === 0) force(p);
    else if (drainTimeout !== Infinity && !p.closed) startDrainTimer(p, drainTimeout);
    checkClosed(p);
    return done;
  }

  /**
   * Closes at once: like {@link close} with no drain — leased resources are destroyed now (their holders'
   * later releases are no-ops) and in-flight `create` calls are aborted. Resolves when every `destroy` and
   * `create` has settled.
   *
   * @example process.on('SIGTERM', () => void pool.terminate());
   */
  terminate(): Promise<void> {
    const p = this.#p;
    const done = beginClose(p);
    force(p);
    checkClosed(p);
    return done;
  }

  /** True from the first `close()`/`terminate()` call on. */
  isClosing(): boolean {
    return this.#p.closing;
  }

  /** True once closing has finished: nothing left in the pool, nothing being created or destroyed. */
  isClosed(): boolean {
    return this.#p.closed;
  }

  // ---------------------------------------------------------------- introspection

  /** Resources in the pool now (idle, leased, being checked or retiring with leases left). */
  get size(): number {
    return this.#p.live.length;
  }

  /** Resources with no lease right now (a cheap gauge for balancing). */
  get idleCount(): number {
    return this.#p.idle.length;
  }

  /** Most shared leases held at once on one resource (the `pipelining` option). */
  get pipelining(): number {
    return this.#p.o.pipelining;
  }

  /**
   * Leases held on `resource` right now: 0 for a resource the pool does not know; for one removed with
   * {@link destroy}, the leases not released yet.
   */
  leaseCount(resource: T): number {
    return this.#p.entries.get(resource)?.leases ?? 0;
  }

  /**
   * The resources in the pool with their lease state, as read-only views (a copy of the list: the pool may
   * change while you iterate).
   *
   * @example for (const r of pool.resources()) if (r.leases === 0) ping(r.resource);
   */
  *resources(): IterableIterator<PoolResourceInfo<T>> {
    yield* this.#p.live.slice();
  }

  /**
   * A plain snapshot of gauges and counters, cheap to take (one pass over at most `maxSize` resources).
   *
   * @example const { size, leased, waiting } = pool.stats();
   */
  stats(): PoolStats {
    const p = this.#p;
    let leased = 0;
    let leases = 0;
    for (const e of p.live) {
      if (e.leases !== 0) {
        leased++;
        leases += e.leases;
      }
    }
    const c = p.counters;
    return {
      size: p.live.length,
      idle: p.idle.length,
      leased,
      leases,
      creating: p.creating,
      waiting: p.waiters.length,
      minSize: p.o.minSize,
      maxSize: p.o.maxSize,
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
}
