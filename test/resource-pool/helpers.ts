/** A fake resource factory and small async helpers for the pool tests: no sockets, objects with ids. */
import type { TestContext } from 'node:test';
import type { Lease } from '../../src/resource-pool/lease.js';
import { ResourcePool } from '../../src/resource-pool/resource-pool.js';
import type { ResourcePoolOptions } from '../../src/resource-pool/resource-pool-options.js';

export interface Res {
  id: number;
  alive: boolean;
}

export { sleep, tick } from '../helpers/wait.js';
import { eventually, sleep, tick } from '../helpers/wait.js';

export interface FactoryOptions {
  /** Milliseconds each create takes (a number, or a function of the create number). */
  createDelay?: number | ((n: number) => number);
  /** Return an error to make create number `n` (1-based) fail. */
  fail?: (n: number) => unknown;
  /** Milliseconds each destroy takes. */
  destroyDelay?: number;
}

/** Creates `{ id, alive }` objects and records every create and destroy. */
export class Factory {
  created: Res[] = [];
  destroyed: Res[] = [];
  createCalls = 0;
  signals: AbortSignal[] = [];
  constructor(private readonly opts: FactoryOptions = {}) {}

  create = async (signal: AbortSignal): Promise<Res> => {
    const n = ++this.createCalls;
    this.signals.push(signal);
    const d = typeof this.opts.createDelay === 'function' ? this.opts.createDelay(n) : this.opts.createDelay ?? 0;
    if (d > 0) await sleep(d);
    const err = this.opts.fail?.(n);
    if (err !== undefined) throw err;
    const r = { id: n, alive: true };
    this.created.push(r);
    return r;
  };

  destroy = async (r: Res): Promise<void> => {
    if (!r.alive) throw new Error(`resource ${r.id} destroyed twice`);
    r.alive = false;
    if (this.opts.destroyDelay) await sleep(this.opts.destroyDelay);
    this.destroyed.push(r);
  };
}

export interface Recorded {
  events: Array<[string, ...unknown[]]>;
}

/**
 * A pool over a {@link Factory} that records its events and fails the test if it ever emits `error`.
 */
export function makePool(
  factory: Factory,
  opts: Omit<ResourcePoolOptions<Res>, 'create' | 'destroy'> = {},
): ResourcePool<Res> & Recorded {
  const pool = new ResourcePool<Res>({ create: factory.create, destroy: factory.destroy, ...opts }) as ResourcePool<Res> & Recorded;
  pool.events = [];
  const emit = pool.emit.bind(pool) as (event: string, ...args: unknown[]) => boolean;
  (pool as unknown as { emit: typeof emit }).emit = (event: string, ...args: unknown[]) => {
    if (event === 'error') throw new Error('the pool emitted an error event');
    pool.events.push([event, ...args]);
    return emit(event, ...args);
  };
  return pool;
}

/** Resolves after `promise` settles, with which way it went, or 'pending' after `ms`. */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<'fulfilled' | 'rejected' | 'pending'> {
  let state: 'fulfilled' | 'rejected' | 'pending' = 'pending';
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await sleep(ms);
  return state;
}

/** True when the promise has settled after the current microtasks and immediates ran. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await tick();
  return done;
}

/** Polls `cond` until it holds or `ms` pass; returns whether it held. */
export function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  return eventually(cond, ms, 2);
}

/** Releases every lease. */
export function releaseAll(leases: Iterable<Lease<Res>>): void {
  for (const l of leases) l.release();
}

/** The resources of `leases`, in order. */
export function resourcesOf(leases: Iterable<Lease<Res>>): Res[] {
  return [...leases].map((l) => l.resource);
}

/** A clock the test moves by hand: `setTimeout` and `Date` are mocked for the rest of the test. */
export interface FakeTime {
  /** Pass as the pool's `now` option. */
  now: () => number;
  /** Moves the clock `ms` forward 1 ms at a time, running due timers and the promise callbacks they start. */
  advance(ms: number): Promise<void>;
}

/** Turns on node:test's mock timers for test `t` (undone when it ends), starting the clock at 1000. */
export function fakeTime(t: TestContext): FakeTime {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1000 });
  return {
    now: () => Date.now(),
    async advance(ms: number) {
      await tick();
      for (let i = 0; i < ms; i++) {
        t.mock.timers.tick(1);
        await tick();
      }
    },
  };
}

/** A promise with its resolve function, for a hook or a factory step the test finishes by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
