/**
 * The latency figures of one instance: a moving average, which balancing reads, and the last
 * {@link RECENT_SAMPLES} samples, from which `pool.instances()` reports p50 and p99. Percentiles need the
 * samples themselves (an average hides the slow tail that p99 is about); a fixed ring keeps the cost of a
 * sample to one store, and the sort happens only when someone asks.
 *
 * @example
 * ```ts
 * const latency = new InstanceLatency();
 * latency.record(2); latency.record(40);
 * latency.percentile(0.5) // 2
 * ```
 */
import { LatencyEwma } from './latency-ewma.js';

/** How many of the latest samples the percentiles are taken over. */
export const RECENT_SAMPLES = 256;

export class InstanceLatency {
  readonly #average = new LatencyEwma();
  readonly #ring = new Float64Array(RECENT_SAMPLES);
  #count = 0;
  #next = 0;
  /** Sorted copy of the ring, kept until the next sample. */
  #sorted: Float64Array | undefined;

  /** The moving average in ms; `undefined` before the first sample. */
  get value(): number | undefined {
    return this.#average.value;
  }

  /** Adds a sample in ms. A negative or non-finite one (a clock step) is ignored, as by the average. */
  record(sampleMs: number): void {
    if (!Number.isFinite(sampleMs) || sampleMs < 0) return;
    this.#average.record(sampleMs);
    this.#ring[this.#next] = sampleMs;
    this.#next = (this.#next + 1) % RECENT_SAMPLES;
    if (this.#count < RECENT_SAMPLES) this.#count++;
    this.#sorted = undefined;
  }

  /** The `q` quantile (0..1) of the recent samples in ms (nearest rank); `undefined` before the first sample. */
  percentile(q: number): number | undefined {
    if (this.#count === 0) return undefined;
    this.#sorted ??= this.#ring.slice(0, this.#count).sort();
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil(q * this.#count) - 1));
    return this.#sorted[rank];
  }
}
