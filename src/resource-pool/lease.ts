/**
 * Leases: the handle a caller gets from `acquire()`, and what happens to an entry when a lease is taken and
 * when it ends (the last one makes the resource idle, or destroys it when it is done for).
 *
 * A lease is its own object, not the resource: releasing by resource (the old `pool.release(conn)`) let a
 * double release of one shared lease silently end another caller's lease on the same connection. A handle
 * ends at most once; a second `release()`/`destroy()` is ignored and reported as a `warning` event.
 */
import type { Entry } from './entry.js';
import type { PoolCore } from './pool-core.js';
import type { DestroyReason } from './pool-stats.js';
import { dispatch, unreserve } from './dispatch.js';
import { destroyEntry, retireEntry, startCreate } from './lifecycle.js';
import { runCheck } from './user-code.js';

/** Options of {@link Lease.release}. */
export interface ReleaseOptions {
  /**
   * `false` for background work (a health check, a topology read): the resource's idle clock is not reset,
   * so such work never keeps an otherwise idle resource open past `idleTimeout`. Default true.
   */
  countAsUse?: boolean;
}

/**
 * One lease on a pooled resource, exclusive or shared. End it exactly once, with {@link release} (the
 * resource goes back to the pool) or {@link destroy} (the resource is broken: it leaves the pool). Made by
 * the pool only.
 *
 * @example
 * ```ts
 * const lease = await pool.acquire({ shared: true });
 * try { await lease.resource.query('SELECT 1'); } finally { lease.release(); }
 * ```
 */
export class Lease<T extends object> {
  /** The leased resource. Do not use it after the lease ends. */
  readonly resource: T;
  /** A shared (pipelined) lease, as opposed to an exclusive one. */
  readonly shared: boolean;
  #core: PoolCore<T>;
  /** The entry this lease holds; undefined once the lease has ended. */
  #entry: Entry<T> | undefined;

  /** @internal Leases come from the pool's `acquire()` and `tryAcquire()`. */
  constructor(core: PoolCore<T>, entry: Entry<T>, shared: boolean) {
    this.resource = entry.resource;
    this.shared = shared;
    this.#core = core;
    this.#entry = entry;
  }

  /** True until the lease is released or destroyed. */
  get active(): boolean {
    return this.#entry !== undefined;
  }

  /**
   * Ends the lease and gives the resource back. A second call (or a call after {@link destroy}) does nothing
   * but emit a `warning` with code `ERR_PICOTS_DOUBLE_RELEASE` on the pool.
   */
  release(options?: ReleaseOptions): void {
    const e = this.#entry;
    if (e === undefined) return warnEnded(this.#core, 'release');
    this.#entry = undefined;
    if (options?.countAsUse !== false) e.usedSinceIdle = true;
    endLease(this.#core, e);
  }

  /**
   * Ends the lease and removes the resource from the pool (for every lease on it: a shared resource's other
   * holders find their later releases to be no-ops). `reason` is what events and stats record (default
   * `error`). A second call does nothing but emit a `warning`, like a second {@link release}.
   */
  destroy(reason: DestroyReason = 'error'): void {
    const e = this.#entry;
    if (e === undefined) return warnEnded(this.#core, 'destroy');
    this.#entry = undefined;
    if (e.state !== 'dead') destroyEntry(this.#core, e, reason);
    endLease(this.#core, e);
  }
}

function warnEnded<T extends object>(p: PoolCore<T>, call: string): void {
  p.emit('warning', {
    code: 'ERR_PICOTS_DOUBLE_RELEASE',
    message: `${call}(): this lease has already ended; the call was ignored (a lease is released or destroyed exactly once)`,
  });
}

/** Takes one lease on `e` (picked by the dispatch policy, so it has room). */
export function takeLease<T extends object>(p: PoolCore<T>, e: Entry<T>, shared: boolean): void {
  if (e.inIdle) p.idle.remove(e);
  e.leases++;
  e.exclusive = !shared;
  e.uses++;
  const o = p.o;
  if (o.maxUses !== 0 && e.uses >= o.maxUses) retireEntry(p, e, 'uses');
  else if (shared && e.leases > 1 && p.creating === 0 && p.live.length < o.maxSize && !p.closing) {
    // Every usable resource already carries a lease (the least loaded one did): grow by one in the
    // background; this caller does not wait for it.
    startCreate(p);
  }
}

/**
 * Ends one lease on `e`. When it was the last: a retired, used-up or expired resource is destroyed;
 * otherwise `afterRelease` runs and the resource goes to the oldest waiter that can use it, or to idle.
 * On a destroyed entry it only drops the count.
 */
export function endLease<T extends object>(p: PoolCore<T>, e: Entry<T>): void {
  e.leases--;
  if (e.state === 'dead') {
    if (e.leases === 0) p.entries.delete(e.resource);
    return;
  }
  p.emit('release', e.resource);
  if (e.leases !== 0) {
    // A shared lease ended and others remain: one more pipeline slot is free.
    if (p.waiters.length !== 0) dispatch(p);
    return;
  }
  e.exclusive = false;
  if (e.state === 'retiring') {
    destroyEntry(p, e, e.retireReason);
    return;
  }
  const hook = p.o.afterRelease;
  if (hook !== undefined && !p.closing) {
    const ok = runCheck(hook, e.resource);
    if (ok === false) {
      destroyEntry(p, e, 'hook');
      return;
    }
    if (ok !== true) {
      e.checking = true;
      void ok.then((passed) => {
        e.checking = false;
        if (e.state === 'dead') return;
        if (passed) settle(p, e);
        else destroyEntry(p, e, 'hook');
      });
      return;
    }
  }
  settle(p, e);
}

/** Ends a lease that was never handed out (its waiter left, or the pool is closing). */
export function giveBack<T extends object>(p: PoolCore<T>, e: Entry<T>): void {
  e.leases--;
  if (e.state === 'dead') {
    if (e.leases === 0) p.entries.delete(e.resource);
    return;
  }
  if (e.leases === 0) {
    e.exclusive = false;
    settle(p, e);
  } else if (p.waiters.length !== 0) {
    dispatch(p);
  }
}

/** `e` has no lease left and passed `afterRelease`: destroy it if it is done for, else make it idle. */
export function settle<T extends object>(p: PoolCore<T>, e: Entry<T>): void {
  if (e.state === 'retiring') {
    destroyEntry(p, e, e.retireReason);
    return;
  }
  if (p.closing) {
    destroyEntry(p, e, 'closed');
    return;
  }
  const o = p.o;
  if (o.maxLifetime !== 0 || o.idleTimeout !== 0) {
    const now = o.now();
    if (e.expiresAt <= now) {
      destroyEntry(p, e, 'lifetime');
      return;
    }
    if (o.idleTimeout !== 0) {
      if (!e.usedSinceIdle) {
        // Only background work ran since it was last idle: its idle time goes on from then.
        if (e.reserved) unreserve(p);
        p.idle.insertByIdleSince(e);
        if (p.live.length > o.minSize) p.reaper.by(e.idleSince + o.idleTimeout);
        if (p.waiters.length !== 0) dispatch(p);
        return;
      }
      e.usedSinceIdle = false;
      e.idleSince = now;
      if (p.live.length > o.minSize) p.reaper.by(now + o.idleTimeout);
    }
  }
  e.usedSinceIdle = false;
  if (e.reserved) unreserve(p);
  p.idle.push(e);
  if (p.waiters.length !== 0) dispatch(p);
}
