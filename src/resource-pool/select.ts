/**
 * Which resource a lease goes to, as pure functions over the pool's entries (no state changes, no
 * allocation): the pool calls them on every shared acquire, so they are plain loops over at most `maxSize`.
 */
import type { Entry } from './entry.js';

/**
 * The entry a shared lease should join: ready, not held exclusively, not being checked, not reserved for an
 * exclusive waiter, with the fewest leases below `cap`. Ties go to the earliest in `live`. `undefined` when
 * every entry is full or unavailable.
 *
 * @example leastLoaded(live, 32) // the connection with the shortest pipeline
 */
export function leastLoaded<T>(live: readonly Entry<T>[], cap: number): Entry<T> | undefined {
  let best: Entry<T> | undefined;
  let bestLeases = cap;
  for (let i = 0; i < live.length; i++) {
    const e = live[i]!;
    if (e.leases < bestLeases && e.state === 'ready' && !e.exclusive && !e.checking && !e.reserved) {
      best = e;
      bestLeases = e.leases;
    }
  }
  return best;
}

/**
 * The entry to hold back for an exclusive waiter: of the ready entries carrying only shared leases, the one
 * with the fewest, since it drains first. `undefined` when every leased entry is held exclusively (then the
 * next exclusive release serves the waiter anyway).
 *
 * @example drainCandidate(live) // reserve it: no new shared leases until it is idle
 */
export function drainCandidate<T>(live: readonly Entry<T>[]): Entry<T> | undefined {
  let best: Entry<T> | undefined;
  for (let i = 0; i < live.length; i++) {
    const e = live[i]!;
    if (e.state === 'ready' && !e.exclusive && !e.checking && e.leases !== 0 && (best === undefined || e.leases < best.leases)) {
      best = e;
    }
  }
  return best;
}
