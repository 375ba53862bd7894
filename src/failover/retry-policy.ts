/**
 * The failover decision for one failed attempt: run the statement again on another instance, or give up,
 * and if giving up, whether the caller must be told that the outcome is unknown. Pure.
 *
 * A statement is retried only when that cannot apply it twice:
 * - nothing reached a server (refused or reset while connecting, a dead idle connection found before
 *   writing, a pool that could not lend a connection), whatever the statement; or
 * - it may have reached a server, and the caller marked it `idempotent` or it only reads.
 * Never: authentication failures (Picodata locks the user after 4 failures per instance), statements the
 * server rejected for what they are (parse errors, missing tables, duplicate keys, access denied, limits),
 * a caller's abort. And never past `maxAttempts`, the deadline, or the retry budget.
 *
 * @example
 * ```ts
 * const d = decideRetry({ error, readOnly: isReadOnlySql(sql), attempt, remainingMs, takeRetryToken: () => budget.tryWithdraw(now) });
 * if (d.quarantineInstance) quarantine.recordFailure(now);
 * if (d.retry) continue;
 * throw d.outcomeUnknown ? new OutcomeUnknownError(error) : error;
 * ```
 */
import { classifyFailure, type FailureKind } from './failure-class.js';

export type { FailureKind };

/** What {@link decideRetry} needs to know. */
export interface RetryInput {
  /** What the failed attempt threw. */
  readonly error: unknown;
  /** The caller declared that running the statement twice is harmless. */
  readonly idempotent?: boolean;
  /** The statement only reads: declared by the caller, or guessed with `isReadOnlySql`. */
  readonly readOnly?: boolean;
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** Attempts allowed in all, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Milliseconds left before the query's overall deadline; `undefined` when it has none. */
  readonly remainingMs?: number;
  /** Least time worth starting another attempt with, in ms. Default 1. */
  readonly minAttemptMs?: number;
  /**
   * Takes one token from the retry budget; called only when everything else allows a retry, so a token is
   * spent only on a retry that happens. Absent: no budget.
   */
  readonly takeRetryToken?: () => boolean;
}

/** The decision. */
export interface RetryDecision {
  /** Run the statement again, on another instance when there is one. */
  readonly retry: boolean;
  /** The instance (or the path to it) failed: put it in quarantine. Server SQL errors never do. */
  readonly quarantineInstance: boolean;
  /**
   * The failed attempt may or may not have taken effect (and the statement is not a read). When `retry` is
   * false the caller must say so in the error it raises.
   */
  readonly outcomeUnknown: boolean;
  /** One sentence: what happened and why this decision. */
  readonly reason: string;
  readonly kind: FailureKind;
}

/** The default `maxAttempts`: the first try and two retries. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Decides what to do after a failed attempt.
 *
 * @example
 * decideRetry({ error: new ServerError('28P01', 'authentication failed for user "u"'), attempt: 1 }).retry // false
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const failure = classifyFailure(input.error);
  const safeToRepeat = input.readOnly === true || input.idempotent === true;
  const outcomeUnknown = failure.uncertain && input.readOnly !== true;
  const decide = (retry: boolean, why: string): RetryDecision => ({
    retry,
    quarantineInstance: failure.instanceFault,
    outcomeUnknown,
    reason: `${failure.reason}; ${why}`,
    kind: failure.kind,
  });

  if (failure.retryable === 'never') return decide(false, 'not retried');
  if (failure.retryable === 'reads-and-idempotent' && !safeToRepeat) {
    return decide(false, 'not retried, because the statement is neither read-only nor marked idempotent');
  }
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (input.attempt >= maxAttempts) return decide(false, `not retried: ${input.attempt} of ${maxAttempts} attempts made`);
  if (input.remainingMs !== undefined && input.remainingMs < (input.minAttemptMs ?? 1)) {
    return decide(false, 'not retried: the deadline has passed');
  }
  if (input.takeRetryToken !== undefined && !input.takeRetryToken()) {
    return decide(false, 'not retried: the retry budget is spent (too many retries for the recent successes)');
  }
  const where = failure.retryable === 'any-statement' ? 'it never ran, so' : safeReason(input);
  return decide(true, `${where} retrying (attempt ${input.attempt + 1} of ${maxAttempts})`);
}

function safeReason(input: RetryInput): string {
  return input.readOnly === true ? 'it only reads, so' : 'it is marked idempotent, so';
}
