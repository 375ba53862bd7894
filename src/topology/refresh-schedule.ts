/**
 * When to run the next discovery round. Polling is the only way to see topology (Picodata pushes nothing),
 * and picodata-go polls twice a second per client forever; here the interval adapts instead:
 * - stable: every `refreshInterval` (default 5 s);
 * - for `settleTime` after a change: every `fastRefreshInterval` (default a quarter of the base, at least
 *   250 ms), because one change (a node leaving) is often followed by more (its replacement joining);
 * - after an error: fast, then doubling with each further error in a row up to the base, so a cluster-wide
 *   outage does not turn every client into a fast poller;
 * - every delay gets ±`jitter` (default 10%) so that many clients started together spread out.
 *
 * Pure: time and randomness come in as arguments.
 *
 * @example
 * ```ts
 * const schedule = new RefreshSchedule({ refreshInterval: 5000 });
 * let delay = schedule.next(Date.now(), 'changed');   // ~1250 ms
 * delay = schedule.next(Date.now(), 'unchanged');      // ~1250 ms while settling, then ~5000 ms
 * ```
 */
import { ConfigError } from '../errors.js';
import { describe, MAX_TIMER_MS, nonNegativeMs, rejectUnknownKeys } from '../config/validate.js';

/** How a discovery round went. */
export type RefreshOutcome = 'changed' | 'unchanged' | 'error';

/** Options of {@link RefreshSchedule}. */
export interface RefreshScheduleOptions {
  /** Milliseconds between rounds when nothing happens. Default 5000. */
  refreshInterval?: number;
  /** Milliseconds between rounds right after a change or an error. Default `max(250, refreshInterval / 4)`, at most `refreshInterval`. */
  fastRefreshInterval?: number;
  /** How long to stay fast after the last change or error, in ms. Default `3 * refreshInterval`. */
  settleTime?: number;
  /** Each delay is multiplied by a random factor in `[1 - jitter, 1 + jitter]`. From 0 to 0.5, default 0.1. */
  jitter?: number;
  /** A source of numbers in `[0, 1)`; default `Math.random`. For tests. */
  random?: () => number;
}

const KEYS = ['refreshInterval', 'fastRefreshInterval', 'settleTime', 'jitter', 'random'];
const DEFAULT_INTERVAL = 5000;
const MIN_FAST = 250;

/** Adaptive, jittered refresh interval. */
export class RefreshSchedule {
  readonly refreshInterval: number;
  readonly fastRefreshInterval: number;
  readonly settleTime: number;
  readonly jitter: number;
  private readonly random: () => number;
  /** When the last change or error happened; -Infinity when never. */
  private lastEventAt = -Infinity;
  /** Errors in a row; 0 after any success. */
  private errorsInARow = 0;

  constructor(opts: RefreshScheduleOptions = {}) {
    rejectUnknownKeys('refresh options', opts, KEYS);
    this.refreshInterval = positiveMs('refreshInterval', opts.refreshInterval ?? DEFAULT_INTERVAL);
    const fast = opts.fastRefreshInterval === undefined
      ? Math.min(this.refreshInterval, Math.max(MIN_FAST, this.refreshInterval / 4))
      : positiveMs('fastRefreshInterval', opts.fastRefreshInterval);
    if (fast > this.refreshInterval) {
      throw new ConfigError('fastRefreshInterval', `must not exceed refreshInterval (${this.refreshInterval}), got ${fast}`);
    }
    this.fastRefreshInterval = fast;
    this.settleTime = opts.settleTime === undefined ? 3 * this.refreshInterval : nonNegativeMs('settleTime', opts.settleTime);
    const jitter = opts.jitter ?? 0.1;
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 0.5)) {
      throw new ConfigError('jitter', `must be a number from 0 to 0.5, got ${describe(jitter)}`);
    }
    this.jitter = jitter;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Records how the round that just ended went and returns the delay before the next one, in ms.
   *
   * @example schedule.next(performance.now(), 'error') // ~fastRefreshInterval, doubling on further errors
   */
  next(now: number, outcome: RefreshOutcome): number {
    let delay: number;
    if (outcome === 'error') {
      this.errorsInARow++;
      this.lastEventAt = now;
      delay = Math.min(this.refreshInterval, this.fastRefreshInterval * 2 ** Math.min(this.errorsInARow - 1, 30));
    } else {
      this.errorsInARow = 0;
      if (outcome === 'changed') this.lastEventAt = now;
      delay = now - this.lastEventAt < this.settleTime ? this.fastRefreshInterval : this.refreshInterval;
    }
    return this.withJitter(delay);
  }

  /** Forgets past changes and errors: the next `unchanged` round gives the base interval. */
  reset(): void {
    this.lastEventAt = -Infinity;
    this.errorsInARow = 0;
  }

  private withJitter(delay: number): number {
    const factor = 1 + this.jitter * (2 * this.random() - 1);
    return Math.min(MAX_TIMER_MS, Math.max(0, Math.round(delay * factor)));
  }
}

function positiveMs(option: string, value: unknown): number {
  const ms = nonNegativeMs(option, value);
  if (ms === 0) throw new ConfigError(option, 'must be greater than 0');
  return ms;
}
