/**
 * Where the cluster layer reads the time. Injected so that the router's and the health monitor's decisions
 * (deadlines, backoff, retry budget) can be unit-tested with a fake clock instead of real sleeps.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock (only differences matter). */
  now(): number;
}

/** The process's monotonic clock. */
export const systemClock: Clock = { now: () => performance.now() };
