import { serialize } from 'pg-protocol';
import { QueryState, type PendingQuery } from './pending-query.js';
import { querySize, writeQuery } from './query-message.js';

const SYNC = serialize.sync();
/** At most this many statements share one Sync. */
export const MAX_WINDOW_STATEMENTS = 32;
/** A window closes once its messages reach this many bytes. */
export const MAX_WINDOW_BYTES = 64 * 1024;

/**
 * Cuts the head of `queued` into Sync windows: moves each query to `inflight` and marks the last query of
 * each window (`syncAfter`), after which a Sync is written. With `coalesce` off every query is its own
 * window. Stops after a window of several statements: if one of them fails, the server skips the rest,
 * which are written again, and anything written behind the window would overtake them.
 *
 * A withdrawn query still in the queue (Done: it only prepares a statement for later ones) ends its window,
 * since it executes nothing and no CommandComplete marks the end of its replies.
 *
 * @returns how many queries were taken, whether a window of several statements is now unanswered, and how
 *   many bytes {@link writeWindows} writes for them.
 */
export function cutWindows(queued: readonly PendingQuery[], coalesce: boolean, inflight: PendingQuery[]): { taken: number; open: boolean; bytes: number } {
  let taken = 0;
  let total = 0;
  while (taken < queued.length) {
    let count = 0;
    let bytes = 0;
    let q: PendingQuery;
    for (;;) {
      q = queued[taken++]!;
      bytes += querySize(q);
      q.syncAfter = false;
      inflight.push(q);
      count++;
      if (q.state !== QueryState.Queued) break;
      q.state = QueryState.Sent;
      if (!coalesce || taken === queued.length || count === MAX_WINDOW_STATEMENTS || bytes >= MAX_WINDOW_BYTES) break;
    }
    q.syncAfter = true;
    total += bytes + SYNC.length;
    if (count > 1) return { taken, open: true, bytes: total };
  }
  return { taken, open: false, bytes: total };
}

/** Writes the `count` queries `cutWindows` just moved to the end of `inflight`, with their Syncs, into one buffer of `bytes`. */
export function writeWindows(inflight: readonly PendingQuery[], count: number, bytes: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = inflight.length - count; i < inflight.length; i++) {
    const q = inflight[i]!;
    at = writeQuery(q, buf, at);
    if (q.syncAfter) at += SYNC.copy(buf, at);
  }
  return buf;
}
