/**
 * The queue of callers waiting in `acquire()`: strictly FIFO, doubly linked so that a waiter whose timeout
 * fires or whose signal aborts leaves in O(1) (asyncpg#467 leaked connections when a timed-out acquire's
 * resource arrived after the caller had gone; here removal and hand-off both go through `settled`).
 */
import type { Lease } from './lease.js';

/** One caller waiting for a lease. */
export class Waiter<T extends object> {
  /** Set once the caller's promise is resolved or rejected: a resource handed to a settled waiter goes back. */
  settled = false;
  /** In the queue right now (false while a `beforeAcquire` hook checks the resource it was given). */
  queued = false;
  /** It was queued at some point: its acquire counts as one that waited. */
  waited = false;
  prev: Waiter<T> | null = null;
  next: Waiter<T> | null = null;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  resolve!: (lease: Lease<T>) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<Lease<T>>;

  constructor(
    /** A shared (pipelined) lease is wanted, not an exclusive one. */
    readonly shared: boolean,
    /** When it started waiting, on the pool's clock. */
    readonly since: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<Lease<T>>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** FIFO of waiters with O(1) push, push-front, shift and removal; counts shared waiters separately. */
export class WaiterQueue<T extends object> {
  head: Waiter<T> | null = null;
  tail: Waiter<T> | null = null;
  length = 0;
  /** How many queued waiters want a shared lease (the rest want an exclusive one). */
  shared = 0;

  /** Appends a new waiter at the back. */
  push(w: Waiter<T>): void {
    w.prev = this.tail;
    w.next = null;
    if (this.tail === null) this.head = w;
    else this.tail.next = w;
    this.tail = w;
    this.added(w);
  }

  /**
   * Puts a waiter back at the front: used when the resource it was handed failed `beforeAcquire`, so that it
   * keeps the place it had earned instead of going to the back.
   */
  unshift(w: Waiter<T>): void {
    w.prev = null;
    w.next = this.head;
    if (this.head === null) this.tail = w;
    else this.head.prev = w;
    this.head = w;
    this.added(w);
  }

  /** Removes `w` if it is queued; O(1). */
  remove(w: Waiter<T>): void {
    if (!w.queued) return;
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
    w.queued = false;
    this.length--;
    if (w.shared) this.shared--;
  }

  /** Removes and returns every waiter, oldest first. */
  drain(): Waiter<T>[] {
    const all: Waiter<T>[] = [];
    for (let w = this.head; w !== null; w = this.head) {
      this.remove(w);
      all.push(w);
    }
    return all;
  }

  private added(w: Waiter<T>): void {
    w.queued = true;
    this.length++;
    if (w.shared) this.shared++;
  }
}
