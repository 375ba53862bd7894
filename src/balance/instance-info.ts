/**
 * What a balancing strategy sees of each instance and of the query being placed. A custom strategy gets
 * frozen snapshots, taken at each call: no reference to a pool or a socket, so it cannot break the client,
 * and it is testable with literal objects.
 *
 * @example
 * ```ts
 * // prefer my zone, else anything
 * const sameZone: NodeStrategy = (candidates, ctx) =>
 *   candidates.find((c) => c.failureDomain.zone === 'msk-1' && !ctx.exclude.has(c.uuid)) ?? candidates[0];
 * ```
 */
import type { ReadPreference } from '../config/picodata-options.js';
import type { InstanceState } from '../topology/instance-state.js';

export type { InstanceState, ReadPreference };

/** A snapshot of one instance, as offered to a strategy. */
export interface InstanceInfo {
  /** `_pico_instance.uuid`: compare instances by this, never by address. */
  readonly uuid: string;
  /** Instance name, e.g. `default_1_1`. */
  readonly name: string;
  /** `host:port` the client connects to. */
  readonly address: string;
  /** The tier the instance belongs to, e.g. `default`. */
  readonly tier: string;
  /** The replicaset it belongs to, e.g. `default_1`. */
  readonly replicasetName: string;
  /** `_pico_instance.failure_domain`, e.g. `{ zone: 'msk-1' }`. */
  readonly failureDomain: Readonly<Record<string, string>>;
  /** Current state from the last discovery round. */
  readonly state: InstanceState;
  /** Queries routed to this instance and not finished yet (running or waiting for a connection). */
  readonly inFlight: number;
  /** Open connections not in use. */
  readonly idle: number;
  /** Open connections, idle or in use. */
  readonly total: number;
  /**
   * Connections this instance may have (its share of the pool's `maxSize`). `inFlight >= maxConnections`
   * means every connection it could have is busy: a new statement would wait behind a running one.
   */
  readonly maxConnections: number;
  /**
   * How long the oldest statement running there has been running, in ms (0 when none runs): a busy
   * instance whose oldest statement is young is pipelining short ones; an old one is stuck on a long one.
   */
  readonly oldestRunningMs: number;
  /** Moving average of query latency in ms; `undefined` before the first sample. */
  readonly latencyMs: number | undefined;
}

/** What a strategy knows about the query being placed. */
export interface BalanceContext {
  /** The statement text, when there is one (not for a bare `acquire()`). */
  readonly sql?: string;
  /** The read preference the query runs with (Picodata routes by it on the server side). */
  readonly readPreference?: ReadPreference;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /** uuids of instances this query already failed on: avoid them when another candidate exists. */
  readonly exclude: ReadonlySet<string>;
}

/**
 * Picks one instance among `candidates` (never empty; usually the Online, not quarantined ones). Must
 * return one of the objects it was given (or one with the same `uuid`), synchronously.
 *
 * A function declared over a mutable array, `(candidates: InstanceInfo[], ctx) => ...`, fits too (the
 * parameter is checked bivariantly, as a method's is): a user's strategy gets its own copy of the list, so
 * sorting or splicing it changes nothing in the pool.
 */
// Written as a method's type, whose parameters TypeScript checks bivariantly, so `T[]` fits `readonly T[]`.
export type NodeStrategy = {
  /** Returns one of `candidates`. */
  strategy(candidates: readonly InstanceInfo[], ctx: BalanceContext): InstanceInfo;
}['strategy'];

/**
 * picopyn's shape of strategy: picks one connection among the open ones (picopyn's `balance_strategy`).
 * Must return one of the objects it was given, synchronously. A function over a mutable array,
 * `(connections: ConnectionHandle[]) => ...`, fits too: it gets its own copy of the list.
 */
export type ConnectionStrategy<C> = {
  /** Returns one of `connections`. */
  strategy(connections: readonly C[]): C;
}['strategy'];
