/**
 * The life of the pooled resources: creating them (lazily for waiters, eagerly for `minSize`, with capped
 * backoff after failures), retiring and destroying them, reaping idle and expired ones, and closing the pool.
 *
 * Never an `error` event: an idle resource's failure re-emitted as `error` crashed apps with no listener
 * (node-postgres#3202). Failures reach the caller who can act (a waiter) or the counters and `createError`.
 */
import { PoolClosedError } from '../errors.js';
import { failWaiter } from './acquire-wait.js';
import { Entry } from './entry.js';
import { settle } from './lease.js';
import type { PoolCore } from './pool-core.js';
import { unreserve } from './dispatch.js';
import { callAsync, callDestroy } from './user-code.js';

/** First retry delay after a failed background create (for `minSize`); doubles up to {@link RETRY_MAX_MS}. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 10_000;

// ---------------------------------------------------------------- creating

/** Starts creates for waiters that the current resources cannot serve (lazy growth up to `maxSize`). */
export function grow<T extends object>(p: PoolCore<T>): void {
  const q = p.waiters;
  if (p.closing || q.length === 0) return;
  const demand = q.length - q.shared + Math.ceil(q.shared / p.o.pipelining);
  while (p.creating < demand && p.live.length + p.creating < p.o.maxSize) startCreate(p);
}

/** Keeps `minSize` resources, unless a failed background create is backing off. */
export function ensureMin<T extends object>(p: PoolCore<T>): void {
  if (p.closing || p.retryTimer !== undefined) return;
  while (p.live.length + p.creating < p.o.minSize) startCreate(p);
}

export function startCreate<T extends object>(p: PoolCore<T>): void {
  p.creating++;
  callAsync(p.o.create, p.createAbort.signal).then(
    (r) => created(p, r),
    (err: unknown) => createFailed(p, err, undefined),
  );
}

function created<T extends object>(p: PoolCore<T>, r: T): void {
  p.counters.createdCount++;
  p.emit('create', r);
  if (p.closing || p.o.setup === undefined) {
    ready(p, r);
    return;
  }
  callAsync(p.o.setup, r).then(
    () => ready(p, r),
    (err: unknown) => createFailed(p, err, r),
  );
}

/** A new resource passed `setup`: it joins the pool and goes to the oldest waiter, or to idle. */
function ready<T extends object>(p: PoolCore<T>, r: T): void {
  p.creating--;
  p.retryFailures = 0;
  if (p.closing) {
    dispose(p, r, 'closed');
    checkClosed(p);
    return;
  }
  const now = p.o.now();
  const life = p.o.maxLifetime;
  // ±10 % jitter so that resources created together do not all expire (and reconnect) together.
  const expiresAt = life === 0 ? Infinity : now + life * (0.9 + 0.2 * Math.random());
  const e = new Entry(r, now, expiresAt);
  p.entries.set(r, e);
  e.liveIndex = p.live.length;
  p.live.push(e);
  if (expiresAt !== Infinity) p.reaper.by(expiresAt);
  settle(p, e);
}

/**
 * `create` failed, or `setup` failed on `made`. The oldest waiter gets the error now (a wrong password
 * fails fast instead of timing out); the others keep waiting and get creates of their own.
 */
function createFailed<T extends object>(p: PoolCore<T>, err: unknown, made: T | undefined): void {
  p.creating--;
  p.counters.createFailedCount++;
  if (made !== undefined) dispose(p, made, 'setup');
  p.emit('createError', err);
  if (p.closing) {
    checkClosed(p);
    return;
  }
  const head = p.waiters.head;
  if (head !== null) failWaiter(p, head, err);
  if (p.live.length + p.creating < p.o.minSize) scheduleRetry(p);
  grow(p);
}

function scheduleRetry<T extends object>(p: PoolCore<T>): void {
  if (p.retryTimer !== undefined || p.closing) return;
  const base = Math.min(RETRY_MIN_MS * 2 ** p.retryFailures, RETRY_MAX_MS);
  p.retryFailures++;
  p.retryTimer = setTimeout(retryNow, base * (0.75 + Math.random() / 4), p);
  p.retryTimer.unref();
}

function retryNow<T extends object>(p: PoolCore<T>): void {
  p.retryTimer = undefined;
  ensureMin(p);
}

// ---------------------------------------------------------------- retiring and destroying

/** No new leases on `e`; destroyed when its last lease ends (now, if it has none). */
export function retireEntry<T extends object>(p: PoolCore<T>, e: Entry<T>, reason: string): void {
  if (e.state !== 'ready') return;
  if (e.leases === 0 && !e.checking) {
    destroyEntry(p, e, reason);
    return;
  }
  e.state = 'retiring';
  e.retireReason = reason;
  if (e.reserved) unreserve(p);
}

/** Removes `e` from the pool now and destroys its resource; its remaining leases end as no-ops. */
export function destroyEntry<T extends object>(p: PoolCore<T>, e: Entry<T>, reason: string): void {
  if (e.state === 'dead') return;
  e.state = 'dead';
  if (e.inIdle) p.idle.remove(e);
  // Swap-remove from `live`.
  const last = p.live.pop()!;
  if (last !== e) {
    p.live[e.liveIndex] = last;
    last.liveIndex = e.liveIndex;
  }
  e.liveIndex = -1;
  if (e.reserved) unreserve(p);
  if (e.leases === 0) p.entries.delete(e.resource);
  dispose(p, e.resource, reason);
  if (p.closing) {
    checkClosed(p);
  } else {
    ensureMin(p);
    grow(p);
  }
}

/** Counts, announces and calls `destroy`; its promise is tracked for `close()`, its failure swallowed. */
function dispose<T extends object>(p: PoolCore<T>, r: T, reason: string): void {
  p.counters.destroyed(reason);
  p.emit('destroy', r, reason);
  const done = callDestroy(p.o.destroy, r);
  if (done !== undefined) {
    const tracked: Promise<void> = done.then(() => {
      p.destroying.delete(tracked);
      checkClosed(p);
    });
    p.destroying.add(tracked);
  }
}

// ---------------------------------------------------------------- idle and lifetime reaping

/** Destroys idle resources past `idleTimeout` (down to `minSize`) and retires those past their lifetime. */
export function reap<T extends object>(p: PoolCore<T>): void {
  if (p.closing) return;
  const o = p.o;
  const now = o.now();
  let next = Infinity;
  if (o.maxLifetime !== 0) {
    // Backwards, because destroyEntry swap-removes from `live`.
    for (let i = p.live.length - 1; i >= 0; i--) {
      const e = p.live[i];
      if (e === undefined || e.state !== 'ready') continue;
      if (e.expiresAt <= now) retireEntry(p, e, 'lifetime');
      else if (e.expiresAt < next) next = e.expiresAt;
    }
  }
  if (o.idleTimeout !== 0) {
    // The idle list's head has been idle the longest (see IdleList); keep minSize.
    let e = p.idle.head;
    while (e !== null && p.live.length > o.minSize && now - e.idleSince >= o.idleTimeout) {
      destroyEntry(p, e, 'idle');
      e = p.idle.head;
    }
    if (e !== null && p.live.length > o.minSize) next = Math.min(next, e.idleSince + o.idleTimeout);
  }
  if (next !== Infinity) p.reaper.by(next);
}

// ---------------------------------------------------------------- closing

/** Stops new work: rejects the waiters, destroys the idle resources; leased ones follow as they return. */
export function beginClose<T extends object>(p: PoolCore<T>): Promise<void> {
  if (p.closePromise !== undefined) return p.closePromise;
  p.closing = true;
  p.closePromise = new Promise<void>((resolve) => (p.resolveClose = resolve));
  p.reaper.cancel();
  if (p.retryTimer !== undefined) clearTimeout(p.retryTimer);
  p.retryTimer = undefined;
  for (const w of p.waiters.drain()) failWaiter(p, w, new PoolClosedError('the pool is closing'));
  for (let e = p.idle.pop(); e !== null; e = p.idle.pop()) destroyEntry(p, e, 'closed');
  // Nobody can use a resource still being created: stop waiting for it (a silent server would hold
  // close() for its whole connect timeout).
  if (p.creating !== 0) p.createAbort.abort(new PoolClosedError('the pool is closing'));
  return p.closePromise;
}

/** Ends the drain after `drainTimeout` ms (or at once for `terminate()`). */
export function startDrainTimer<T extends object>(p: PoolCore<T>, drainTimeout: number): void {
  p.drainTimer = setTimeout(force, drainTimeout, p);
}

/** The drain is over: destroy what is still leased and abort creates in flight. */
export function force<T extends object>(p: PoolCore<T>): void {
  if (p.forced) return;
  p.forced = true;
  if (p.drainTimer !== undefined) clearTimeout(p.drainTimer);
  p.drainTimer = undefined;
  p.createAbort.abort(new PoolClosedError('the pool was terminated'));
  for (const e of p.live.slice()) destroyEntry(p, e, 'closed');
}

/** Resolves `close()` once nothing is left in the pool and nothing is being created or destroyed. */
export function checkClosed<T extends object>(p: PoolCore<T>): void {
  if (!p.closing || p.closed) return;
  if (p.live.length !== 0 || p.creating !== 0 || p.destroying.size !== 0) return;
  p.closed = true;
  if (p.drainTimer !== undefined) clearTimeout(p.drainTimer);
  p.drainTimer = undefined;
  p.resolveClose();
}
