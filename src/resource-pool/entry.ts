/**
 * One pooled resource and its bookkeeping, plus the idle list that orders the idle ones.
 *
 * Everything here is plain data with no timers and no promises: {@link ResourcePool} owns the decisions.
 */

/** What the pool lets callers see about one resource (see {@link ResourcePool.resources}). */
export interface PoolResourceInfo<T> {
  /** The resource itself. */
  readonly resource: T;
  /** Leases held on it right now (0 = idle or being checked by a hook). */
  readonly leases: number;
  /** True while an exclusive lease holds it. */
  readonly exclusive: boolean;
  /** Leases ever granted on it (what `maxUses` counts). */
  readonly uses: number;
  /** When it joined the pool, on the pool's clock. */
  readonly createdAt: number;
  /** True once it takes no new leases (retired, expired, used up): it is destroyed when its last lease ends. */
  readonly retiring: boolean;
}

/**
 * The life of an entry: `ready` takes leases; `retiring` takes no new ones and is destroyed when its last
 * lease ends; `dead` has been destroyed (its remaining leases may still be released, as no-ops).
 */
export type EntryState = 'ready' | 'retiring' | 'dead';

/**
 * A resource in the pool. Invariant (kept by the pool): the entry is in the idle list exactly when
 * `state === 'ready' && leases === 0 && !checking`.
 */
export class Entry<T> implements PoolResourceInfo<T> {
  leases = 0;
  exclusive = false;
  uses = 0;
  state: EntryState = 'ready';
  /** Why it is retiring: the reason its eventual destroy will carry. */
  retireReason = '';
  /** A `beforeAcquire`/`afterRelease` hook is running on it: it is neither idle nor open to shared leases. */
  checking = false;
  /** Held back from new shared leases so that it drains for the exclusive waiter at the head of the queue. */
  reserved = false;
  /**
   * When it last became idle after real use (only kept up to date when `idleTimeout` is on); its creation
   * time until then. A lease released with `countAsUse: false` leaves it as it was.
   */
  idleSince: number;
  /** A lease that counts as use ended since it last became idle. */
  usedSinceIdle = false;
  /** Index in the pool's `live` array, for O(1) swap-removal; -1 when not live. */
  liveIndex = -1;
  // Idle list links.
  prev: Entry<T> | null = null;
  next: Entry<T> | null = null;
  inIdle = false;

  constructor(
    readonly resource: T,
    readonly createdAt: number,
    /** When `maxLifetime` (with this entry's jitter) runs out; Infinity when there is no limit. */
    readonly expiresAt: number,
  ) {
    this.idleSince = createdAt;
  }

  get retiring(): boolean {
    return this.state !== 'ready';
  }
}

/**
 * Idle entries, doubly linked so that removal from the middle is O(1). New idle entries go to the tail and
 * are taken from the tail (LIFO), so the head is the entry idle the longest: surplus resources sink to the
 * head and age out by `idleTimeout` while the busy tail stays warm.
 */
export class IdleList<T> {
  head: Entry<T> | null = null;
  tail: Entry<T> | null = null;
  length = 0;

  push(e: Entry<T>): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail === null) this.head = e;
    else this.tail.next = e;
    this.tail = e;
    e.inIdle = true;
    this.length++;
  }

  /**
   * Puts `e` back in `idleSince` order (it was idle before a lease that did not count as use), so that the
   * head stays the entry idle the longest.
   */
  insertByIdleSince(e: Entry<T>): void {
    let after = this.tail;
    while (after !== null && after.idleSince > e.idleSince) after = after.prev;
    if (after === this.tail) return this.push(e);
    e.prev = after;
    e.next = after === null ? this.head : after.next;
    if (after === null) this.head = e;
    else after.next = e;
    e.next!.prev = e;
    e.inIdle = true;
    this.length++;
  }

  /** Removes and returns the most recently idled entry. */
  pop(): Entry<T> | null {
    const e = this.tail;
    if (e !== null) this.remove(e);
    return e;
  }

  remove(e: Entry<T>): void {
    if (!e.inIdle) return;
    if (e.prev === null) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === null) this.tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = e.next = null;
    e.inIdle = false;
    this.length--;
  }
}
