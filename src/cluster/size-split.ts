/**
 * Spreading cluster-wide pool sizes over instances. `maxSize: 10` on a client means 10 connections to the
 * cluster in all (picopyn's meaning, and the one that keeps a client's footprint independent of the cluster's
 * size), not 10 per instance: with 3 instances that is 4 + 3 + 3.
 *
 * Which instances get the remainder is rotated by `offset`: give each process its own random offset (kept
 * for its lifetime, so its split is stable across refreshes) and many processes together put the same load
 * on every instance, instead of all giving instance 0 the extra connection.
 *
 * @example
 * ```ts
 * splitSize(10, 3)                 // [4, 3, 3]
 * splitSize(10, 3, { offset: 1 })  // [3, 4, 3]
 * splitSize(10, 3, { cap: 3 })     // [3, 3, 3]: an instance never gets more than the cap
 * splitPoolSizes({ minSize: 2, maxSize: 10, instances: 3, offset: 2 }) // [{min:1,max:3}, {min:0,max:3}, {min:1,max:4}]
 * ```
 */
import { ConfigError } from '../errors.js';
import { describe, nonNegativeInt } from '../config/validate.js';

/** Options of {@link splitSize}. */
export interface SplitOptions {
  /** Rotates which instances get the remainder; any integer. Default 0. */
  offset?: number;
  /** Most for any one instance (e.g. a per-instance `maxSize`). Default: no cap. */
  cap?: number;
}

/**
 * Splits `total` over `n` instances as evenly as possible: every share is `floor(total / n)` or one more,
 * and the larger shares start at position `offset mod n`. With a `cap`, the shares are those of
 * `min(total, cap * n)`, so their sum can be less than `total` when the cap binds. Some shares are 0 when
 * `total < n`: the caller decides whether such an instance gets no connections or at least one.
 *
 * @example splitSize(5, 3, { offset: 2 }) // [2, 1, 2]
 */
export function splitSize(total: number, n: number, opts: SplitOptions = {}): number[] {
  nonNegativeInt('total', total);
  nonNegativeInt('instances', n);
  if (n === 0) return [];
  const cap = opts.cap === undefined ? Infinity : nonNegativeInt('cap', opts.cap);
  const offset = opts.offset ?? 0;
  if (!Number.isSafeInteger(offset)) throw new ConfigError('offset', `must be an integer, got ${describe(offset)}`);
  // A uniform cap binds all shares alike, so capping the total first keeps the split even.
  const effective = Math.min(total, cap * n);
  const base = Math.floor(effective / n);
  const extra = effective - base * n;
  const start = ((offset % n) + n) % n;
  const shares = new Array<number>(n).fill(base);
  for (let k = 0; k < extra; k++) shares[(start + k) % n]! += 1;
  return shares;
}

/** Options of {@link splitPoolSizes}. */
export interface PoolSizeSplitOptions {
  /** Connections to the cluster in all, at most. */
  maxSize: number;
  /** Connections to the cluster in all, at least (kept open when idle). Default 0. */
  minSize?: number;
  /** How many instances share them. */
  instances: number;
  /** See {@link SplitOptions.offset}. */
  offset?: number;
  /** Most connections to any one instance. Default: no cap. */
  maxPerInstance?: number;
}

/**
 * Splits both `minSize` and `maxSize`, with the same rotation, so that every instance's min never exceeds
 * its max (the instances that get an extra min connection are among those that get an extra max one).
 *
 * @example splitPoolSizes({ maxSize: 4, minSize: 2, instances: 3 }) // [{min:1,max:2}, {min:1,max:1}, {min:0,max:1}]
 */
export function splitPoolSizes(opts: PoolSizeSplitOptions): Array<{ min: number; max: number }> {
  const minSize = opts.minSize ?? 0;
  nonNegativeInt('minSize', minSize);
  nonNegativeInt('maxSize', opts.maxSize);
  if (minSize > opts.maxSize) throw new ConfigError('minSize', `must not exceed maxSize (${opts.maxSize}), got ${minSize}`);
  const split = { offset: opts.offset, cap: opts.maxPerInstance };
  const max = splitSize(opts.maxSize, opts.instances, split);
  const min = splitSize(minSize, opts.instances, split);
  return max.map((m, i) => ({ min: Math.min(min[i]!, m), max: m }));
}
