import { serialize } from 'pg-protocol';
import { QueryState, type PendingQuery } from './pending-query.js';

const SYNC = serialize.sync();
/** At most this many statements share one Sync. */
export const MAX_WINDOW_STATEMENTS = 32;
/** A window closes once its messages reach this many bytes. */
export const MAX_WINDOW_BYTES = 64 * 1024;

/**
 * Cuts the head of `queued` into Sync windows: moves each query to `inflight`, appends its messages to `out`
 * and a Sync after the last query of each window (marked `syncAfter`). With `coalesce` off every query is
 * its own window. Stops after a window of several statements: if one of them fails, the server skips the
 * rest, which are written again, and anything written behind the window would overtake them.
 *
 * A withdrawn query still in the queue (Done: it only prepares a statement for later ones) ends its window,
 * since it executes nothing and no CommandComplete marks the end of its replies.
 *
 * @returns how many queries were taken, and whether a window of several statements is now unanswered.
 */
export function cutWindows(queued: readonly PendingQuery[], coalesce: boolean, out: Buffer[], inflight: PendingQuery[]): { taken: number; open: boolean } {
  let taken = 0;
  while (taken < queued.length) {
    let count = 0;
    let bytes = 0;
    let q: PendingQuery;
    for (;;) {
      q = queued[taken++]!;
      const parts = q.parts;
      for (let j = 0; j < parts.length; j++) {
        out.push(parts[j]!);
        bytes += parts[j]!.length;
      }
      q.syncAfter = false;
      inflight.push(q);
      count++;
      if (q.state !== QueryState.Queued) break;
      q.state = QueryState.Sent;
      if (!coalesce || taken === queued.length || count === MAX_WINDOW_STATEMENTS || bytes >= MAX_WINDOW_BYTES) break;
    }
    q.syncAfter = true;
    out.push(SYNC);
    if (count > 1) return { taken, open: true };
  }
  return { taken, open: false };
}
