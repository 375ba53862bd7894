/**
 * An exponentially weighted moving average of query latency, one per instance, for the `leastBusy`
 * strategy and for stats. `alpha` is the weight of each new sample: 0.3 (the default) forgets a spike after
 * a handful of queries, which is what routing wants; use a smaller alpha for smoother stats.
 *
 * @example
 * ```ts
 * const latency = new LatencyEwma();
 * latency.record(12); latency.record(20);
 * latency.value // 14.4
 * ```
 */
import { ConfigError } from '../errors.js';
import { describe } from '../config/validate.js';

export class LatencyEwma {
  readonly alpha: number;
  private current: number | undefined;

  /** @param alpha weight of a new sample, in `(0, 1]`; 1 means "the last sample". */
  constructor(alpha = 0.3) {
    if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) {
      throw new ConfigError('latencyAlpha', `must be a number greater than 0 and at most 1, got ${describe(alpha)}`);
    }
    this.alpha = alpha;
  }

  /** The average in ms; `undefined` before the first sample. */
  get value(): number | undefined {
    return this.current;
  }

  /**
   * Adds a sample (ms) and returns the new average. A negative or non-finite sample (a clock step) is
   * ignored: it would drag the average somewhere no query ever went.
   */
  record(sampleMs: number): number | undefined {
    if (!Number.isFinite(sampleMs) || sampleMs < 0) return this.current;
    // The first sample is taken as is; starting from 0 would make a new instance look fast for a while.
    this.current = this.current === undefined ? sampleMs : this.current + this.alpha * (sampleMs - this.current);
    return this.current;
  }

  /** Forgets every sample (e.g. after the instance restarted). */
  reset(): void {
    this.current = undefined;
  }
}
