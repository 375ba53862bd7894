/**
 * The state one {@link ResourcePool} shares between its parts: the public class (resource-pool.ts), the
 * dispatch policy (dispatch.ts), waiting (acquire-wait.ts), leases (lease.ts) and the resource lifecycle
 * (lifecycle.ts). Those parts are functions over this object rather than methods of one long class, so each
 * concept reads on its own; none of it is exported from the folder.
 *
 * Invariants every part keeps:
 * - `entries` maps each resource that may still be released to its entry: the live ones, plus dead ones
 *   whose leases have not all ended yet.
 * - `live` holds the entries in the pool (ready or retiring), each at its `liveIndex`.
 * - An entry is in `idle` exactly when `state === 'ready' && leases === 0 && !checking`.
 * - At most one entry is `reserved`, for the exclusive waiter `reservedFor` at the head of the queue.
 */
import type { EventEmitter } from 'node:events';
import { DeadlineTimer } from './deadline-timer.js';
import { type Entry, IdleList } from './entry.js';
import type { ResolvedResourcePoolOptions } from './resource-pool-options.js';
import { PoolCounters } from './pool-stats.js';
import { noop } from './user-code.js';
import { type Waiter, WaiterQueue } from './waiters.js';

/** A warning the pool emits for a caller's mistake it could absorb (see `PoolEvents.warning`). */
export interface PoolWarning {
  /** `ERR_PICOTS_DOUBLE_RELEASE`: a lease was released or destroyed a second time; the call was ignored. */
  readonly code: 'ERR_PICOTS_DOUBLE_RELEASE';
  /** One sentence for people. */
  readonly message: string;
}

export class PoolCore<T extends object> {
  readonly entries = new Map<T, Entry<T>>();
  readonly live: Entry<T>[] = [];
  readonly idle = new IdleList<T>();
  readonly waiters = new WaiterQueue<T>();
  readonly counters = new PoolCounters();
  /** `create` + `setup` calls in flight. */
  creating = 0;
  /** The head exclusive waiter and the resource held back to drain for it (see dispatch.ts). */
  reservedFor: Waiter<T> | null = null;
  reservedEntry: Entry<T> | null = null;
  dispatching = false;
  redispatch = false;
  /** Idle and lifetime reaping: one unref'd timer, due at the earliest deadline. */
  readonly reaper: DeadlineTimer;
  retryTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  retryFailures = 0;
  /** Passed to every `create`; aborted when the pool is terminated or its drain times out. */
  readonly createAbort = new AbortController();
  /** `destroy` promises not settled yet: `close()` waits for them. */
  readonly destroying = new Set<Promise<void>>();
  closing = false;
  closed = false;
  forced = false;
  closePromise: Promise<void> | undefined = undefined;
  resolveClose: () => void = noop;
  drainTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly o: ResolvedResourcePoolOptions<T>,
    /** The public pool: events go out through it. */
    private readonly emitter: EventEmitter,
    reap: (core: PoolCore<T>) => void,
  ) {
    this.reaper = new DeadlineTimer(() => reap(this), o.now);
  }

  /**
   * Emits without letting a throwing listener corrupt the pool mid-operation: the listener's error is
   * rethrown on its own (as an uncaught exception, like a throwing timer callback), after the pool's state
   * is consistent again.
   */
  emit(event: string, a: unknown, b?: unknown): void {
    try {
      if (b === undefined) this.emitter.emit(event, a);
      else this.emitter.emit(event, a, b);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /** `isUsable` on `e`; a throw counts as unusable. */
  usable(e: Entry<T>): boolean {
    try {
      return this.o.isUsable!(e.resource) !== false;
    } catch {
      return false;
    }
  }

  /** "size 3/10, 3 in use, 12 waiting, 1 creating", for error messages. */
  describe(): string {
    let leased = 0;
    for (const e of this.live) if (e.leases !== 0) leased++;
    return `pool size ${this.live.length}/${this.o.maxSize}, ${leased} in use, ${this.waiters.length} waiting, ${this.creating} creating`;
  }
}
