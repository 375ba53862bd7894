/**
 * What the last discovery round made of each row, so that a round in which a row did not change (every
 * row, on an idle refresh of a large cluster) reuses the instance built from it instead of parsing the
 * state, the address and the failure domain again. A row is reused only when it equals the previous row
 * of the same uuid value for value (json columns compared structurally), so the result, warnings
 * included, is exactly what parsing it again would give.
 *
 * One memo belongs to one caller that reads the same cluster again and again (the cluster pool's topology
 * follower); it keeps the rows of the last round only.
 */
import type { QueryResult } from '../protocol/query-types.js';
import type { DiscoverySchema } from './discovery-sql.js';

/** One row as last seen, and what it gave. */
export interface DiscoveryMemoEntry<T> {
  /** The row as the server sent it (decoded). */
  readonly row: Readonly<Record<string, unknown>>;
  /** `undefined` when the row was skipped. */
  readonly value: T | undefined;
  /** The warnings parsing the row produced, given again when the row is reused. */
  readonly warnings: readonly string[];
}

/** What a whole discovery round made of its rows (see {@link DiscoveryMemo.sameRound}). */
export interface DiscoveryRound<T> {
  /** The instances, in the order the round gave them. */
  readonly instances: readonly T[];
  /** The warnings its rows gave. */
  readonly warnings: readonly string[];
}

/** Nested json deeper than this is not compared; such a row is simply parsed again. */
const MAX_DEPTH = 4;

/**
 * The rows of the last discovery round by uuid. Pass the same memo to each round of
 * `discoverInstances` (option `memo`).
 *
 * @example
 * ```ts
 * const memo = new DiscoveryMemo();
 * await discoverInstances(conn, { memo }); // parses every row
 * await discoverInstances(conn, { memo }); // reuses the rows that did not change
 * ```
 */
export class DiscoveryMemo<T = unknown> {
  #schema: DiscoverySchema | undefined;
  /**
   * The last round's result of the discovery statement (`null` before the first): a picots connection
   * takes the rows whose bytes did not change from it instead of decoding them again.
   */
  lastResult: QueryResult<unknown> | null = null;
  /** The last round as a whole: its rows, and what they gave. */
  #whole: (DiscoveryRound<T> & { rows: readonly unknown[]; schema: DiscoverySchema }) | undefined;
  /**
   * One map for both rounds, each entry stamped with the round that recorded it: an idle round then only
   * restamps entries, where a fresh map per round would grow (and rehash) its table every round.
   */
  readonly #slots = new Map<string, { entry: DiscoveryMemoEntry<T>; round: number }>();
  #round = 0;
  #recorded = 0;

  /**
   * What the last round made of exactly these rows (the same row objects, in the same order, which is what
   * a read that reused every row gives), or `undefined`: then the rows are taken one by one.
   */
  sameRound(rows: readonly unknown[], schema: DiscoverySchema): DiscoveryRound<T> | undefined {
    const last = this.#whole;
    if (last === undefined || last.schema !== schema || last.rows.length !== rows.length) return undefined;
    for (let i = 0; i < rows.length; i++) if (rows[i] !== last.rows[i]) return undefined;
    return last;
  }

  /** Remembers what a whole round made of its rows, for {@link DiscoveryMemo.sameRound}. */
  recordRound(rows: readonly unknown[], schema: DiscoverySchema, instances: readonly T[], warnings: readonly string[]): void {
    this.#whole = { rows, schema, instances, warnings };
  }

  /** Starts a round: entries of the previous round stay readable until {@link DiscoveryMemo.endRound}. */
  beginRound(schema: DiscoverySchema): void {
    if (schema !== this.#schema) this.#slots.clear();
    this.#schema = schema;
    this.#round++;
    this.#recorded = 0;
  }

  /** The previous round's entry for `uuid` when its row equals `row`; `undefined` otherwise. */
  reuse(uuid: string, row: Readonly<Record<string, unknown>>): DiscoveryMemoEntry<T> | undefined {
    const slot = this.#slots.get(uuid);
    return slot !== undefined && slot.round === this.#round - 1 && sameRow(slot.entry.row, row) ? slot.entry : undefined;
  }

  /** Whether this round has already recorded `uuid` (a second row for it is never reused nor recorded). */
  seen(uuid: string): boolean {
    return this.#slots.get(uuid)?.round === this.#round;
  }

  /** Records what `row` gave in this round. */
  record(uuid: string, entry: DiscoveryMemoEntry<T>): void {
    const slot = this.#slots.get(uuid);
    if (slot === undefined) this.#slots.set(uuid, { entry, round: this.#round });
    else {
      slot.entry = entry;
      slot.round = this.#round;
    }
    this.#recorded++;
  }

  /** Ends the round: only its rows are kept (an instance that left is forgotten). */
  endRound(): void {
    if (this.#recorded === this.#slots.size) return;
    for (const [uuid, slot] of this.#slots) if (slot.round !== this.#round) this.#slots.delete(uuid);
  }
}

/** Same keys, same values (see {@link sameRaw}). */
function sameRow(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  return sameObject(a, b, 0);
}

function sameObject(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, depth: number): boolean {
  if (a === b) return true;
  let count = 0;
  for (const k in a) {
    if (!(k in b) || !sameRaw(a[k], b[k], depth)) return false;
    count++;
  }
  return count === keyCount(b);
}

function keyCount(o: Readonly<Record<string, unknown>>): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * Primitives by `Object.is`; arrays and plain objects (decoded json) element by element. Anything else
 * (a Date, a Buffer, a class instance) counts as different unless it is the same object.
 */
function sameRaw(a: unknown, b: unknown, depth: number): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth >= MAX_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameRaw(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  return sameObject(a as Record<string, unknown>, b as Record<string, unknown>, depth + 1);
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
