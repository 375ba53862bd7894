/**
 * How a caller joins the queue of `acquire()` and how it leaves without a resource: refused when the pool is
 * saturated, timed out, or aborted. A waiter that leaves is out of the queue in O(1); asyncpg#467 leaked
 * connections when a timed-out acquire's resource arrived after the caller had gone, so hand-off and removal
 * both go through `settled` (see waiters.ts).
 */
import { AbortError, PoolSaturatedError, PoolTimeoutError } from '../errors.js';
import { dispatch, unreserve } from './dispatch.js';
import type { Lease } from './lease.js';
import type { PoolCore } from './pool-core.js';
import { Waiter } from './waiters.js';

/** Queues a caller (refusing it when `maxWaiters` callers already wait on a full pool). */
export function enqueue<T extends object>(p: PoolCore<T>, shared: boolean, timeout: number, signal: AbortSignal | undefined): Promise<Lease<T>> {
  // A caller for whom a new resource can be created is not refused: maxWaiters bounds the queue of a full pool.
  if (p.waiters.length >= p.o.maxWaiters && p.live.length + p.creating >= p.o.maxSize) {
    p.counters.saturatedCount++;
    return Promise.reject(
      new PoolSaturatedError(`pool saturated: ${p.waiters.length} callers already waiting (maxWaiters ${p.o.maxWaiters}); ${p.describe()}`),
    );
  }
  const w = new Waiter<T>(shared, p.o.now(), signal);
  w.waited = true;
  p.waiters.push(w);
  armWaiter(p, w, timeout);
  dispatch(p); // sets up the reservation when this exclusive waiter is now the head; starts creates
  return w.promise;
}

/** Starts `w`'s timeout and listens to its signal. */
export function armWaiter<T extends object>(p: PoolCore<T>, w: Waiter<T>, timeout: number): void {
  if (timeout !== Infinity) w.timer = setTimeout(onTimeout, timeout, p, w);
  if (w.signal !== undefined) {
    w.onAbort = () => onAbort(p, w);
    w.signal.addEventListener('abort', w.onAbort, { once: true });
  }
}

function onTimeout<T extends object>(p: PoolCore<T>, w: Waiter<T>): void {
  w.timer = undefined;
  if (w.settled) return;
  p.counters.timedOutAcquireCount++;
  p.waiters.remove(w); // before describe(): "N waiting" counts the others
  const waited = Math.round(p.o.now() - w.since);
  failWaiter(p, w, new PoolTimeoutError(`acquire timed out after ${waited} ms (${p.describe()})`));
  if (p.waiters.length !== 0) dispatch(p);
}

function onAbort<T extends object>(p: PoolCore<T>, w: Waiter<T>): void {
  if (w.settled) return;
  p.counters.abortedAcquireCount++;
  failWaiter(p, w, abortError(w.signal!));
  if (p.waiters.length !== 0) dispatch(p);
}

/** Marks `w` settled and drops its timer and abort listener. */
export function finishWaiter<T extends object>(w: Waiter<T>): void {
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

/** Takes `w` out of the queue and rejects its caller with `err`. */
export function failWaiter<T extends object>(p: PoolCore<T>, w: Waiter<T>, err: unknown): void {
  p.waiters.remove(w);
  if (p.reservedFor === w) unreserve(p);
  finishWaiter(w);
  w.reject(err);
}

/** The error of an acquire whose signal aborted. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('acquire aborted while waiting for a pooled resource', {
    phase: 'acquire',
    mayHaveReachedServer: false,
    cause: signal.reason,
  });
}
