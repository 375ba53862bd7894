/** One piece of work placed on an instance: a statement, or a session held with `acquire()`. */
export interface Running {
  /** When it started, on the router's clock. */
  readonly since: number;
}

/**
 * The work running on one instance, oldest first: its count is what `leastBusy` reads as in flight, and
 * the age of the oldest tells a statement stuck behind a long one from a busy pipeline of short ones.
 * O(1) to start, end and read the oldest (a Set keeps insertion order).
 */
export class RunningWork {
  readonly #items = new Set<Running>();

  start(now: number): Running {
    const r = { since: now };
    this.#items.add(r);
    return r;
  }

  end(r: Running): void {
    this.#items.delete(r);
  }

  get size(): number {
    return this.#items.size;
  }

  /** When the oldest running work started; undefined when nothing runs. */
  oldestSince(): number | undefined {
    for (const r of this.#items) return r.since;
    return undefined;
  }
}
