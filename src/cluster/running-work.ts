/** One piece of work placed on an instance: a statement, or a session held with `acquire()`. */
export interface Running {
  /** When it started, on the router's clock. */
  readonly since: number;
}

/** A {@link Running} as the list holds it: linked to its neighbours, so ending it needs no search. */
class RunningNode implements Running {
  readonly since: number;
  prev: RunningNode | undefined = undefined;
  next: RunningNode | undefined = undefined;
  /** The list it is in; `undefined` once ended, so a second `end()` (or one on another list) changes nothing. */
  owner: RunningWork | undefined;

  constructor(since: number, owner: RunningWork) {
    this.since = since;
    this.owner = owner;
  }
}

/**
 * The work running on one instance, oldest first: its count is what `leastBusy` reads as in flight, and
 * the age of the oldest tells a statement stuck behind a long one from a busy pipeline of short ones.
 * O(1) to start, end and read the oldest. A doubly linked list rather than a Set: every statement starts
 * and ends one, and the list does that without hashing or the Set's periodic rehash.
 */
export class RunningWork {
  #head: RunningNode | undefined;
  #tail: RunningNode | undefined;
  #size = 0;

  start(now: number): Running {
    const r = new RunningNode(now, this);
    const tail = this.#tail;
    if (tail === undefined) this.#head = r;
    else {
      tail.next = r;
      r.prev = tail;
    }
    this.#tail = r;
    this.#size++;
    return r;
  }

  end(r: Running): void {
    const node = r as RunningNode;
    if (!(node instanceof RunningNode) || node.owner !== this) return;
    node.owner = undefined;
    const { prev, next } = node;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    node.prev = node.next = undefined;
    this.#size--;
  }

  get size(): number {
    return this.#size;
  }

  /** When the oldest running work started; undefined when nothing runs. */
  oldestSince(): number | undefined {
    return this.#head?.since;
  }
}
