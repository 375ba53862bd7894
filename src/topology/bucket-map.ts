/**
 * Which replicaset owns which bucket, and which instance leads each replicaset: the two reads that let a
 * client send a keyed statement straight to the owner. Pure: it parses what the server answered.
 *
 * - `SELECT _pico_bucket('<tier>') AS b` (Picodata 25.5.1+, any user may call it) answers one row whose
 *   column is a JSON array of ranges `{bucket_id_start, bucket_id_end, current_replicaset_uuid, ...}` (key
 *   order not guaranteed). The ranges cover `1 .. bucket_count` of the tier, so the tier's bucket count is
 *   the largest `bucket_id_end`. It reflects the answering instance's router cache.
 * - `_pico_replicaset (name, uuid, current_master_name, target_master_name, tier)` names each replicaset's
 *   leader; it is readable by admin only unless granted. While `current_master_name` differs from
 *   `target_master_name` the leader is changing (every member is read-only for that moment), so the leader
 *   is treated as unknown.
 *
 * @example
 * ```ts
 * const map = parseBucketRanges(row.b);        // string or parsed JSON
 * map.bucketCount;                              // 3000
 * map.replicasetOf(bucketId(key, map.bucketCount)); // 'ad033267-…'
 * ```
 */
import { PicotsError } from '../errors.js';

/** The statement that reads a tier's bucket ranges. Tier names are identifiers; a quote is doubled anyway. */
export function bucketRangesSql(tier: string): string {
  return `SELECT _pico_bucket('${tier.replace(/'/g, "''")}') AS b`;
}

/** The statement that reads each replicaset's leader (needs READ on `_pico_replicaset`). */
export const REPLICASETS_SQL = 'SELECT name, uuid, current_master_name, target_master_name, tier FROM _pico_replicaset';

/** One tier's bucket ranges, sorted, with an O(log n) lookup. Immutable. */
export class BucketRanges {
  /** The tier's bucket count: the largest `bucket_id_end` (0 for a tier without sharded data). */
  readonly bucketCount: number;
  /** Range starts and (inclusive) ends, ascending and not overlapping. */
  readonly #starts: Uint32Array;
  readonly #ends: Uint32Array;
  /** The owning replicaset uuid of each range. */
  readonly #owners: readonly string[];

  constructor(ranges: readonly BucketRange[]) {
    const sorted = [...ranges].sort((a, b) => a.start - b.start);
    this.#starts = Uint32Array.from(sorted, (r) => r.start);
    this.#ends = Uint32Array.from(sorted, (r) => r.end);
    this.#owners = sorted.map((r) => r.replicasetUuid);
    this.bucketCount = sorted.length === 0 ? 0 : Math.max(...sorted.map((r) => r.end));
  }

  /** How many ranges there are (adjacent ranges of one replicaset are not merged). */
  get size(): number {
    return this.#owners.length;
  }

  /** The ranges, sorted by start. */
  ranges(): BucketRange[] {
    return this.#owners.map((replicasetUuid, i) => ({ start: this.#starts[i]!, end: this.#ends[i]!, replicasetUuid }));
  }

  /** The index of the range holding `bucket`, or -1 when no range holds it. */
  indexOf(bucket: number): number {
    const ends = this.#ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! < bucket) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo < ends.length && this.#starts[lo]! <= bucket ? lo : -1;
  }

  /** The uuid of the replicaset owning `bucket`, or undefined when no range holds it. */
  replicasetOf(bucket: number): string | undefined {
    const i = this.indexOf(bucket);
    return i < 0 ? undefined : this.#owners[i];
  }
}

/** One range of buckets, both ends included. */
export interface BucketRange {
  readonly start: number;
  readonly end: number;
  /** `current_replicaset_uuid`: `_pico_replicaset.uuid` and `_pico_instance.replicaset_uuid`. */
  readonly replicasetUuid: string;
}

/** The answer of `_pico_bucket` could not be understood. */
export class BucketMapFormatError extends PicotsError {
  constructor(message: string) {
    super('ERR_PICOTS_BUCKET_MAP_FORMAT', message);
  }
}

/**
 * Parses the value of `_pico_bucket(tier)`: a JSON array of ranges, as text or already parsed. Throws
 * {@link BucketMapFormatError} when it is not an array of ranges with positive integer bounds and a uuid,
 * or when ranges overlap: a wrong map would send statements to the wrong place, so none is better.
 */
export function parseBucketRanges(value: unknown): BucketRanges {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new BucketMapFormatError('_pico_bucket returned text that is not JSON');
    }
  }
  if (!Array.isArray(v)) throw new BucketMapFormatError(`_pico_bucket returned ${v === null ? 'null' : typeof v}, not an array of ranges`);
  const ranges: BucketRange[] = [];
  for (const [i, item] of (v as unknown[]).entries()) {
    if (item === null || typeof item !== 'object') throw new BucketMapFormatError(`_pico_bucket range ${i} is not an object`);
    const r = item as Record<string, unknown>;
    const start = bound(r.bucket_id_start);
    const end = bound(r.bucket_id_end);
    const owner = r.current_replicaset_uuid;
    if (start === undefined || end === undefined || end < start) throw new BucketMapFormatError(`_pico_bucket range ${i} has no valid bucket_id_start/bucket_id_end`);
    if (typeof owner !== 'string' || owner === '') throw new BucketMapFormatError(`_pico_bucket range ${i} has no current_replicaset_uuid`);
    ranges.push({ start, end, replicasetUuid: owner });
  }
  const map = new BucketRanges(ranges);
  const list = map.ranges();
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.start <= list[i - 1]!.end) throw new BucketMapFormatError(`_pico_bucket ranges overlap at bucket ${list[i]!.start}`);
  }
  return map;
}

/** Bucket ids are 1-based u32; JSON may carry them as numbers or (from some encoders) as digit strings. */
function bound(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffff_ffff ? n : undefined;
}

/** One replicaset as `_pico_replicaset` describes it. */
export interface ReplicasetLeader {
  readonly name: string;
  readonly uuid: string;
  readonly tier: string;
  /** The instance name of the leader; undefined while the leader is changing (or not named). */
  readonly leaderName: string | undefined;
}

/**
 * Reads `_pico_replicaset` rows into replicasets keyed by uuid. Rows without a name or uuid are skipped;
 * a replicaset whose `current_master_name` differs from `target_master_name` has no known leader.
 */
export function parseReplicasets(rows: ReadonlyArray<Record<string, unknown>>): Map<string, ReplicasetLeader> {
  const out = new Map<string, ReplicasetLeader>();
  for (const r of rows) {
    const name = r.name;
    const uuid = r.uuid;
    if (typeof name !== 'string' || typeof uuid !== 'string' || uuid === '') continue;
    const current = r.current_master_name;
    const target = r.target_master_name;
    const settled = typeof current === 'string' && current !== '' && (target === undefined || target === null || target === current);
    out.set(uuid, { name, uuid, tier: typeof r.tier === 'string' ? r.tier : '', leaderName: settled ? current : undefined });
  }
  return out;
}
