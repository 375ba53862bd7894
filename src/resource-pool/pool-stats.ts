/**
 * The pool's counters and the plain snapshot `stats()` returns (the shape of puddle's `Stat`: one documented
 * figure per field, cheap to take, safe to keep).
 */

/**
 * Why a resource was destroyed. The pool's own reasons are listed; `destroy(r, reason)` may pass any string.
 * - `idle`: idle longer than `idleTimeout` · `lifetime`: older than `maxLifetime` · `uses`: served `maxUses`
 * - `error`: `destroy(r)` without a reason (the resource failed) · `expired`: `expire()`
 * - `hook`: `beforeAcquire`/`afterRelease` said no · `unusable`: `isUsable` said no
 * - `setup`: `setup` failed · `closed`: the pool closed
 */
export type DestroyReason =
  | 'idle'
  | 'lifetime'
  | 'uses'
  | 'error'
  | 'expired'
  | 'hook'
  | 'unusable'
  | 'setup'
  | 'closed'
  | (string & {});

/**
 * A snapshot of the pool. Gauges (`size` … `waiting`) describe this moment; counters (`…Count`,
 * `acquireWaitTimeMs`) only grow over the pool's life.
 *
 * @example
 * ```ts
 * const s = pool.stats();
 * const meanWait = s.waitedAcquireCount ? s.acquireWaitTimeMs / s.waitedAcquireCount : 0;
 * ```
 */
export interface PoolStats {
  /** Resources in the pool (idle, leased, being checked, or retiring with leases left). */
  size: number;
  /** Resources with no lease, ready to hand out. */
  idle: number;
  /** Resources with at least one lease. */
  leased: number;
  /** Leases held in total (a pipelined resource can hold several). */
  leases: number;
  /** `create` (and `setup`) calls in flight. */
  creating: number;
  /** Callers queued in `acquire()`. */
  waiting: number;
  /** The configured `minSize`. */
  minSize: number;
  /** The configured `maxSize`. */
  maxSize: number;
  /** Leases granted. */
  acquireCount: number;
  /** Leases granted to callers that had to queue. */
  waitedAcquireCount: number;
  /** Total milliseconds those callers waited. */
  acquireWaitTimeMs: number;
  /** Acquires that gave up at their timeout. */
  timedOutAcquireCount: number;
  /** Acquires that gave up because their signal aborted. */
  abortedAcquireCount: number;
  /** Acquires refused at once because `maxWaiters` callers were already waiting. */
  saturatedCount: number;
  /** Successful `create` calls. */
  createdCount: number;
  /** Failed `create` calls, plus failed `setup` calls. */
  createFailedCount: number;
  /** Resources destroyed, for any reason. */
  destroyedCount: number;
  /** `destroyedCount` split by reason. */
  destroyedByReason: Record<string, number>;
}

/** The growing counters, kept as plain fields so the hot path only does `++`. */
export class PoolCounters {
  acquireCount = 0;
  waitedAcquireCount = 0;
  acquireWaitTimeMs = 0;
  timedOutAcquireCount = 0;
  abortedAcquireCount = 0;
  saturatedCount = 0;
  createdCount = 0;
  createFailedCount = 0;
  destroyedCount = 0;
  readonly destroyedByReason: Record<string, number> = Object.create(null) as Record<string, number>;

  destroyed(reason: string): void {
    this.destroyedCount++;
    this.destroyedByReason[reason] = (this.destroyedByReason[reason] ?? 0) + 1;
  }
}
