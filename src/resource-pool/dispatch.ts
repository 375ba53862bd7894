/**
 * The dispatch policy: which waiter gets which resource, and when.
 *
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
 * - A resource handed to a waiter that settled in the meantime (possible only while an async
 *   `beforeAcquire` runs) goes back: to the next waiter or to idle.
 */
import { PoolClosedError } from '../errors.js';
import { failWaiter, finishWaiter } from './acquire-wait.js';
import type { Entry } from './entry.js';
import { giveBack, Lease, takeLease } from './lease.js';
import { destroyEntry, grow, retireEntry } from './lifecycle.js';
import type { PoolCore } from './pool-core.js';
import { drainCandidate, leastLoaded } from './select.js';
import { runCheck } from './user-code.js';
import type { Waiter } from './waiters.js';

/** The most recently idled usable resource (LIFO), destroying expired or unusable ones on the way. */
export function pickIdle<T extends object>(p: PoolCore<T>): Entry<T> | undefined {
  for (;;) {
    const e = p.idle.pop();
    if (e === null) return undefined;
    if (!dropIfStale(p, e)) return e;
  }
}

/**
 * Where a shared lease goes: an idle resource if any, else the ready, non-exclusive, unreserved resource
 * with the fewest leases below `pipelining`. A linear scan without allocation: `maxSize` is small.
 */
export function pickShared<T extends object>(p: PoolCore<T>): Entry<T> | undefined {
  if (p.idle.length !== 0) {
    const e = pickIdle(p);
    if (e !== undefined) return e;
  }
  const cap = p.o.pipelining;
  if (cap === 1) return undefined; // only an idle resource has room
  for (;;) {
    const best = leastLoaded(p.live, cap);
    if (best === undefined) return undefined;
    if (!dropIfStale(p, best)) return best;
  }
}

/**
 * Takes `e` out of service when its lifetime is over (retired: destroyed now if it has no lease, else when
 * its last one ends) or `isUsable` rejects it (destroyed now); true when it did.
 */
function dropIfStale<T extends object>(p: PoolCore<T>, e: Entry<T>): boolean {
  if (p.o.maxLifetime !== 0 && e.expiresAt <= p.o.now()) {
    retireEntry(p, e, 'lifetime');
    return true;
  }
  if (p.o.isUsable !== undefined && !p.usable(e)) {
    destroyEntry(p, e, 'unusable');
    return true;
  }
  return false;
}

/**
 * Hands free capacity to waiters, oldest first (pg-pool's `_pulseQueue`, plus the shared/exclusive rule in
 * the file comment). Re-entrant calls (an event listener that releases) are folded into the running one.
 */
export function dispatch<T extends object>(p: PoolCore<T>): void {
  if (p.dispatching) {
    p.redispatch = true;
    return;
  }
  p.dispatching = true;
  try {
    do {
      p.redispatch = false;
      serveQueue(p);
    } while (p.redispatch);
  } finally {
    p.dispatching = false;
  }
  grow(p); // waiters left over (or put back after a failed check) may need creates
}

function serveQueue<T extends object>(p: PoolCore<T>): void {
  for (let w = p.waiters.head; w !== null; w = p.waiters.head) {
    if (w.shared) {
      // No room for the oldest shared waiter means no room for any (and nothing idle for exclusive ones).
      const e = pickShared(p);
      if (e === undefined) return;
      serve(p, w, e, true);
    } else {
      const e = pickIdle(p);
      if (e === undefined) {
        reserveFor(p, w);
        serveSharedBehind(p, w);
        return;
      }
      serve(p, w, e, false);
    }
  }
}

/**
 * The head is an exclusive waiter with nothing idle for it: shared waiters behind it may use spare pipeline
 * slots on resources other than the one reserved for it. None of these resources is fresh (nothing is idle),
 * so no `beforeAcquire` runs here and nobody is put back in front of the head.
 */
function serveSharedBehind<T extends object>(p: PoolCore<T>, head: Waiter<T>): void {
  if (p.waiters.shared === 0 || p.o.pipelining === 1) return;
  let w = head.next;
  while (w !== null) {
    const next = w.next;
    if (p.idle.length !== 0) {
      // Something went idle meanwhile (an event listener released it): the exclusive head comes first.
      p.redispatch = true;
      return;
    }
    if (w.shared) {
      const e = pickShared(p);
      if (e === undefined) return;
      serve(p, w, e, true);
      if (next !== null && !next.queued) {
        // An event listener changed the queue under us (e.g. closed the pool): start over from the head.
        p.redispatch = true;
        return;
      }
    }
    w = next;
  }
}

function serve<T extends object>(p: PoolCore<T>, w: Waiter<T>, e: Entry<T>, shared: boolean): void {
  p.waiters.remove(w);
  if (p.reservedFor === w) unreserve(p);
  const fresh = e.leases === 0;
  takeLease(p, e, shared);
  if (fresh && p.o.beforeAcquire !== undefined) {
    const ok = runCheck(p.o.beforeAcquire, e.resource);
    if (ok === false) {
      failCheck(p, e);
      p.waiters.unshift(w); // keeps its place; the dispatch loop tries again
      return;
    }
    if (ok !== true) {
      beginCheck(p, w, e, ok);
      return;
    }
  }
  grant(p, w, e);
}

/** Hands the lease `w` holds on `e` to its caller. */
export function grant<T extends object>(p: PoolCore<T>, w: Waiter<T>, e: Entry<T>): void {
  finishWaiter(w);
  const c = p.counters;
  c.acquireCount++;
  if (w.waited) {
    c.waitedAcquireCount++;
    c.acquireWaitTimeMs += p.o.now() - w.since;
  }
  p.emit('acquire', e.resource);
  w.resolve(new Lease(p, e, w.shared));
}

/** Holds back the shared-leased resource with the fewest leases for exclusive head `w` (file comment). */
function reserveFor<T extends object>(p: PoolCore<T>, w: Waiter<T>): void {
  if (p.reservedFor === w) return;
  unreserve(p);
  const best = drainCandidate(p.live);
  if (best === undefined) return; // every resource is held exclusively: the next release serves w
  best.reserved = true;
  p.reservedEntry = best;
  p.reservedFor = w;
}

export function unreserve<T extends object>(p: PoolCore<T>): void {
  if (p.reservedEntry !== null) p.reservedEntry.reserved = false;
  p.reservedEntry = null;
  p.reservedFor = null;
}

/** `beforeAcquire` said no right away: drop the lease just taken and the resource with it. */
export function failCheck<T extends object>(p: PoolCore<T>, e: Entry<T>): void {
  e.leases--;
  e.exclusive = false;
  destroyEntry(p, e, 'hook');
}

/** Waits for an async `beforeAcquire` on `e`, leased for `w`; the entry takes no other lease meanwhile. */
export function beginCheck<T extends object>(p: PoolCore<T>, w: Waiter<T>, e: Entry<T>, check: Promise<boolean>): void {
  e.checking = true;
  void check.then((ok) => {
    e.checking = false;
    if (e.state === 'dead') {
      giveBack(p, e); // destroyed meanwhile: only the zombie lease to drop
      retryWaiter(p, w);
    } else if (!ok) {
      e.leases--;
      e.exclusive = false;
      destroyEntry(p, e, 'hook');
      retryWaiter(p, w);
    } else if (w.settled || p.closing) {
      // The caller timed out or aborted while the check ran: the resource must not be lost.
      if (!w.settled) failWaiter(p, w, new PoolClosedError('the pool is closing'));
      giveBack(p, e);
    } else {
      grant(p, w, e);
      if (p.waiters.length !== 0 && !e.exclusive) dispatch(p); // it may take more shared leases
    }
  });
}

/** Puts a waiter whose resource failed its check back at the front of the queue. */
function retryWaiter<T extends object>(p: PoolCore<T>, w: Waiter<T>): void {
  if (w.settled) return;
  if (p.closing) {
    failWaiter(p, w, new PoolClosedError('the pool is closing'));
    return;
  }
  w.waited = true;
  p.waiters.unshift(w);
  dispatch(p);
}
