/**
 * Passive health of one instance: a circuit breaker fed by connection failures. After a failure the
 * instance is quarantined (no new traffic) for a backoff that grows with each failure in a row
 * (base 500 ms, x2, capped at 30 s, jittered so that many clients do not all come back at the same
 * instant). When the backoff has passed, *one* probe is let through (`tryStartProbe`); its success ends the
 * quarantine, its failure starts a longer one. Server SQL errors are not fed here: a bad query says
 * nothing about the node.
 *
 * Pure: time and randomness come in as arguments.
 *
 * @example
 * ```ts
 * const q = new Quarantine();
 * q.recordFailure(now);          // quarantined for ~500 ms
 * q.isQuarantined(now + 100);    // true
 * if (q.tryStartProbe(now + 600)) { try { await ping(); q.recordSuccess() } catch { q.recordFailure(now + 600) } }
 * ```
 */
import { ConfigError } from '../errors.js';
import { describe, nonNegativeMs, rejectUnknownKeys } from '../config/validate.js';

/** Options of {@link Quarantine}. */
export interface QuarantineOptions {
  /** Backoff after the first failure, in ms. Default 500. */
  baseDelay?: number;
  /** Longest backoff, in ms. Default 30000. */
  maxDelay?: number;
  /** Growth per failure in a row. Default 2. */
  factor?: number;
  /**
   * `'full'`: a uniform delay in `[0, backoff]` (AWS's "full jitter": the best spread, but sometimes a
   * near-immediate retry); a number `j` from 0 to 1: a delay in `[backoff * (1 - j), backoff * (1 + j)]`,
   * at most `maxDelay`. Default 0.2.
   */
  jitter?: 'full' | number;
  /** How long a probe may take before another one is allowed, in ms. Default `maxDelay`. */
  probeTimeout?: number;
  /** A source of numbers in `[0, 1)`; default `Math.random`. For tests. */
  random?: () => number;
}

const KEYS = ['baseDelay', 'maxDelay', 'factor', 'jitter', 'probeTimeout', 'random'];

/** Health states, for stats and events. */
export type QuarantineState = 'healthy' | 'quarantined' | 'probe-due' | 'probing';

export class Quarantine {
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly jitter: 'full' | number;
  readonly probeTimeout: number;
  private readonly random: () => number;
  private failuresInARow = 0;
  private quarantinedUntil = -Infinity;
  private probeStartedAt: number | undefined;

  constructor(opts: QuarantineOptions = {}) {
    rejectUnknownKeys('quarantine options', opts, KEYS);
    this.baseDelay = nonNegativeMs('baseDelay', opts.baseDelay ?? 500);
    this.maxDelay = nonNegativeMs('maxDelay', opts.maxDelay ?? 30_000);
    if (this.maxDelay < this.baseDelay) throw new ConfigError('maxDelay', `must be at least baseDelay (${this.baseDelay}), got ${this.maxDelay}`);
    const factor = opts.factor ?? 2;
    if (typeof factor !== 'number' || !(factor >= 1 && factor <= 100)) throw new ConfigError('factor', `must be a number from 1 to 100, got ${describe(factor)}`);
    this.factor = factor;
    const jitter = opts.jitter ?? 0.2;
    if (jitter !== 'full' && (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))) {
      throw new ConfigError('jitter', `must be 'full' or a number from 0 to 1, got ${describe(jitter)}`);
    }
    this.jitter = jitter;
    this.probeTimeout = nonNegativeMs('probeTimeout', opts.probeTimeout ?? this.maxDelay);
    this.random = opts.random ?? Math.random;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.failuresInARow;
  }

  /** When the current backoff ends (ms, same clock as `now`); `-Infinity` when healthy. */
  get until(): number {
    return this.failuresInARow === 0 ? -Infinity : this.quarantinedUntil;
  }

  /**
   * Records a connection-level failure at `now` and returns the backoff chosen (ms). A failure ends any
   * probe in progress: it was the probe, or it proves the same thing.
   */
  recordFailure(now: number): number {
    this.failuresInARow++;
    this.probeStartedAt = undefined;
    const delay = this.backoff(this.failuresInARow);
    this.quarantinedUntil = now + delay;
    return delay;
  }

  /** Records a success: the instance is healthy again. */
  recordSuccess(): void {
    this.failuresInARow = 0;
    this.quarantinedUntil = -Infinity;
    this.probeStartedAt = undefined;
  }

  /**
   * `true` from a failure until the next success: route no ordinary traffic here (unless no instance is
   * healthy, when a quarantined one beats failing outright). The backoff only decides when the probe may
   * run (`readyForProbe`): letting all traffic back when it ends would send a burst to a node that may
   * still be dead. `now` is accepted for symmetry with the other methods and not needed.
   */
  isQuarantined(_now?: number): boolean {
    return this.failuresInARow > 0;
  }

  /** `true` when the backoff has passed and no probe is running (or the last one took longer than `probeTimeout`). */
  readyForProbe(now: number): boolean {
    if (this.failuresInARow === 0 || now < this.quarantinedUntil) return false;
    return this.probeStartedAt === undefined || now - this.probeStartedAt >= this.probeTimeout;
  }

  /**
   * Claims the probe when {@link readyForProbe}: returns `true` to exactly one caller, who must then call
   * `recordSuccess` or `recordFailure`. Everyone else keeps avoiding the instance meanwhile.
   */
  tryStartProbe(now: number): boolean {
    if (!this.readyForProbe(now)) return false;
    this.probeStartedAt = now;
    return true;
  }

  /** The state at `now`, for stats and events. */
  state(now: number): QuarantineState {
    if (this.failuresInARow === 0) return 'healthy';
    if (now < this.quarantinedUntil) return 'quarantined';
    return this.readyForProbe(now) ? 'probe-due' : 'probing';
  }

  private backoff(failures: number): number {
    const exponential = Math.min(this.maxDelay, this.baseDelay * this.factor ** Math.min(failures - 1, 64));
    const r = this.random();
    if (this.jitter === 'full') return Math.round(exponential * r);
    return Math.round(Math.min(this.maxDelay, exponential * (1 + this.jitter * (2 * r - 1))));
  }
}
