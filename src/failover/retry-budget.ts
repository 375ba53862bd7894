/**
 * A retry budget: a token bucket that lets retries add at most a fixed share on top of successful queries
 * (default 20%), plus a small steady allowance so that a quiet client can still retry. During a
 * cluster-wide outage every query fails, nothing refills the bucket, and retries stop after the allowance:
 * clients do not multiply the load on a cluster that is already struggling (Finagle's RetryBudget and
 * gRPC's retry throttling work the same way).
 *
 * Pure: time comes in as an argument (ms, any monotonic clock).
 *
 * @example
 * ```ts
 * const budget = new RetryBudget();
 * budget.recordSuccess(now);                 // +0.2 token
 * if (budget.tryWithdraw(now)) retry();      // -1 token, or false when spent
 * ```
 */
import { ConfigError } from '../errors.js';
import { describe, rejectUnknownKeys } from '../config/validate.js';

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Tokens each success adds: the share of retries allowed on top of successes. Default 0.2. */
  ratio?: number;
  /** Tokens added per second whatever happens, so a few retries are always possible. Default 10. */
  minPerSecond?: number;
  /** Most tokens the bucket holds (the largest burst of retries). Default 100. */
  maxTokens?: number;
  /**
   * Tokens at the start. Default `maxTokens`: a new client has had no chance to earn tokens yet, and the
   * statements in flight on an instance that dies in its first seconds must still fail over. The burst is
   * bounded by `maxTokens`; after it, retries are earned by successes.
   */
  initialTokens?: number;
}

const KEYS = ['ratio', 'minPerSecond', 'maxTokens', 'initialTokens'];
const EPSILON = 1e-9;

export class RetryBudget {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly maxTokens: number;
  private balance: number;
  private refilledAt: number | undefined;

  constructor(opts: RetryBudgetOptions = {}) {
    rejectUnknownKeys('retry budget options', opts, KEYS);
    this.ratio = finite('ratio', opts.ratio ?? 0.2, 0, 1000);
    this.minPerSecond = finite('minPerSecond', opts.minPerSecond ?? 10, 0, 1e6);
    this.maxTokens = finite('maxTokens', opts.maxTokens ?? 100, 1, 1e9);
    this.balance = finite('initialTokens', opts.initialTokens ?? this.maxTokens, 0, this.maxTokens);
  }

  /** Tokens available at `now` (whole retries: `Math.floor`). */
  tokens(now: number): number {
    this.refill(now);
    return this.balance;
  }

  /** Records a successful query. */
  recordSuccess(now: number): void {
    this.refill(now);
    this.balance = Math.min(this.maxTokens, this.balance + this.ratio);
  }

  /** Takes one token for a retry; `false` (and nothing taken) when fewer than one is left. */
  tryWithdraw(now: number): boolean {
    this.refill(now);
    // Tolerate rounding: five successes at ratio 0.2 add up to 0.9999999999999999, and must buy a retry.
    if (this.balance < 1 - EPSILON) return false;
    this.balance = Math.max(0, this.balance - 1);
    return true;
  }

  private refill(now: number): void {
    if (this.refilledAt !== undefined && now > this.refilledAt) {
      this.balance = Math.min(this.maxTokens, this.balance + ((now - this.refilledAt) / 1000) * this.minPerSecond);
    }
    // A clock that goes backwards adds nothing and restarts from the new reading.
    if (this.refilledAt === undefined || now !== this.refilledAt) this.refilledAt = now;
  }
}

function finite(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(option, `must be a number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}
