/**
 * What the demo's view shows at one moment: plain data, made by the sampler from the pool's public API
 * and turned into text by the renderer. Nothing here holds a pool or a socket.
 */

/** How an instance looks from picots, in words a reader needs no manual for. */
export type InstanceState =
  /** In rotation and answering. */
  | 'serving'
  /** In rotation, but new: discovery has just found it and its first connections are opening. */
  | 'joining'
  /** Out of rotation after a failed connection; picots checks it in the background and takes it back. */
  | 'quarantined'
  /** No longer listed as Online by the cluster: picots sends it nothing. */
  | 'left';

/** One row of the instance table. */
export interface InstanceRow {
  readonly name: string;
  /** The `zone` of its failure domain; '' when it has none. */
  readonly zone: string;
  readonly state: InstanceState;
  /** Statements it answered per second, over the last second. */
  readonly perSecond: number;
  /** Statements sent to it and not finished yet. */
  readonly inFlight: number;
  /** Over its recent answered statements; `undefined` before the first. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** The totals line: what the application saw. */
export interface Totals {
  /** Statements that succeeded. */
  readonly statements: number;
  /** Statements per second over the last second, all instances together. */
  readonly perSecond: number;
  /** Attempts picots ran again on another instance after one failed. */
  readonly failedOver: number;
  /** Reads that failed in the application: the demo's claim is that this stays 0. */
  readonly readErrors: number;
  /** Writes lost with their connection after they were sent: the server may or may not have run them. */
  readonly writesUnknown: number;
  /** Writes that failed for another reason (none expected). */
  readonly writeErrors: number;
}

/** One line of the event log. */
export interface DemoEvent {
  /** Since the story started. */
  readonly atMs: number;
  readonly text: string;
}

/** Everything one frame shows. */
export interface ViewState {
  /** Since the story started. */
  readonly elapsedMs: number;
  /** The story's whole length, for "12 s of 30 s". */
  readonly storyMs: number;
  /** What is happening now, in one short sentence. */
  readonly chapter: string;
  /** Sorted by name (i1, i2, ..., i10). */
  readonly rows: readonly InstanceRow[];
  readonly totals: Totals;
  /** The latest events, oldest first. */
  readonly events: readonly DemoEvent[];
}
