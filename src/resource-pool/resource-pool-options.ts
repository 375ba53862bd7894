/**
 * Options of {@link ResourcePool}: their types, defaults and the up-front validation that turns a mistake
 * into a {@link ConfigError} naming the option, before any resource is created.
 */
import { ConfigError } from '../errors.js';
import { describe, func, MAX_TIMER_MS, nonNegativeInt, nonNegativeMs, positiveInt, rejectUnknownKeys } from '../config/validate.js';

/**
 * How to make, check and retire the pooled resources, and how many to keep.
 *
 * @example
 * ```ts
 * const pool = new ResourcePool({
 *   create: (signal) => connect({ signal }),
 *   destroy: (conn) => conn.close(),
 *   maxSize: 10,
 *   pipelining: 32,
 * });
 * ```
 */
export interface ResourcePoolOptions<T extends object> {
  /**
   * Makes a new resource. `signal` aborts when the pool is terminated (or its `close()` drain timed out):
   * an ongoing connect should then give up. A rejection is passed to the oldest waiter (fail fast: a wrong
   * password reaches the caller at once, not as a timeout).
   */
  create: (signal: AbortSignal) => Promise<T>;
  /** Disposes of a resource. Errors are swallowed (and counted as a destroy all the same). */
  destroy: (resource: T) => Promise<void> | void;
  /** Resources kept even when idle; created in the background, retried with capped backoff. Default 0. */
  minSize?: number;
  /** Most resources at once, counting the ones being created. Integer >= 1. Default 10. */
  maxSize?: number;
  /** Milliseconds a resource may sit idle before it is destroyed (down to `minSize`); 0 = never. Default 30 000. */
  idleTimeout?: number;
  /**
   * Milliseconds a resource may live; each one gets ±10 % jitter so they do not all expire at once. An
   * expired resource takes no new leases and is destroyed when its last lease ends. 0 = never. Default 0.
   */
  maxLifetime?: number;
  /** Leases a resource may serve (exclusive and shared alike) before it is retired; 0 = unlimited. Default 0. */
  maxUses?: number;
  /**
   * Callers that may wait at once when the pool is at `maxSize`; the next one gets {@link PoolSaturatedError}
   * at once (0 = never wait for a busy pool). A caller for whom a resource can still be created is not
   * refused. Default Infinity.
   */
  maxWaiters?: number;
  /** Default milliseconds an `acquire()` waits; Infinity = no limit. Default 5 000. */
  acquireTimeout?: number;
  /** Most shared leases held at once on one resource (queries in flight on one connection). Default 1. */
  pipelining?: number;
  /** Runs once on a new resource before its first lease; a rejection destroys it (reason `setup`). */
  setup?: (resource: T) => Promise<void>;
  /**
   * Checks a resource that had no lease before handing it out (false, a throw or a rejection → destroyed
   * with reason `hook`, another is picked). Not run when a shared lease joins a resource already in use.
   */
  beforeAcquire?: (resource: T) => boolean | Promise<boolean>;
  /** Runs when the last lease on a resource ends; false, a throw or a rejection → destroyed (reason `hook`). */
  afterRelease?: (resource: T) => boolean | Promise<boolean>;
  /** Cheap synchronous check before every lease (e.g. "socket still open"); false → destroyed (`unusable`). */
  isUsable?: (resource: T) => boolean;
  /** The clock, in milliseconds, for idle and lifetime deadlines and wait times. Default `performance.now`. */
  now?: () => number;
}

/** Options with every default filled in. */
export interface ResolvedResourcePoolOptions<T extends object> {
  create: (signal: AbortSignal) => Promise<T>;
  destroy: (resource: T) => Promise<void> | void;
  minSize: number;
  maxSize: number;
  /** 0 = never. */
  idleTimeout: number;
  /** 0 = never. */
  maxLifetime: number;
  /** 0 = unlimited. */
  maxUses: number;
  maxWaiters: number;
  acquireTimeout: number;
  pipelining: number;
  setup: ((resource: T) => Promise<void>) | undefined;
  beforeAcquire: ((resource: T) => boolean | Promise<boolean>) | undefined;
  afterRelease: ((resource: T) => boolean | Promise<boolean>) | undefined;
  isUsable: ((resource: T) => boolean) | undefined;
  now: () => number;
}

/** Per-call options of `acquire()`. */
export interface AcquireOptions {
  /** Milliseconds to wait, overriding the pool's `acquireTimeout`; Infinity = no limit. */
  timeout?: number;
  /** Aborting it gives up waiting with an {@link AbortError} (phase `acquire`). */
  signal?: AbortSignal;
  /** A shared (pipelined) lease instead of an exclusive one. Default false. */
  shared?: boolean;
}

/** Options of `close()`. */
export interface CloseOptions {
  /** Milliseconds to wait for leased resources to come back before destroying them anyway. Default 30 000. */
  drainTimeout?: number;
}

const KEYS = [
  'create',
  'destroy',
  'minSize',
  'maxSize',
  'idleTimeout',
  'maxLifetime',
  'maxUses',
  'maxWaiters',
  'acquireTimeout',
  'pipelining',
  'setup',
  'beforeAcquire',
  'afterRelease',
  'isUsable',
  'now',
] as const;

const defaultNow = (): number => performance.now();

/**
 * Validates pool options and fills in defaults. Throws {@link ConfigError} for the first wrong option.
 *
 * @example resolveResourcePoolOptions({ create, destroy, maxSize: 4 }).idleTimeout // 30000
 */
export function resolveResourcePoolOptions<T extends object>(opts: ResourcePoolOptions<T>): ResolvedResourcePoolOptions<T> {
  rejectUnknownKeys('pool options', opts, KEYS);
  const o = opts as unknown as Record<(typeof KEYS)[number], unknown>;
  const maxSize = o.maxSize === undefined ? 10 : positiveInt('maxSize', o.maxSize);
  const minSize = o.minSize === undefined ? 0 : nonNegativeInt('minSize', o.minSize);
  if (minSize > maxSize) throw new ConfigError('minSize', `must be <= maxSize (${maxSize}), got ${minSize}`);
  return {
    create: func<ResolvedResourcePoolOptions<T>['create']>('create', o.create),
    destroy: func<ResolvedResourcePoolOptions<T>['destroy']>('destroy', o.destroy),
    minSize,
    maxSize,
    idleTimeout: o.idleTimeout === undefined ? 30_000 : nonNegativeMs('idleTimeout', o.idleTimeout),
    maxLifetime: o.maxLifetime === undefined ? 0 : nonNegativeMs('maxLifetime', o.maxLifetime),
    maxUses: o.maxUses === undefined ? 0 : nonNegativeInt('maxUses', o.maxUses),
    maxWaiters: o.maxWaiters === undefined ? Infinity : countOrInfinity('maxWaiters', o.maxWaiters),
    acquireTimeout: o.acquireTimeout === undefined ? 5_000 : positiveMsOrInfinity('acquireTimeout', o.acquireTimeout),
    pipelining: o.pipelining === undefined ? 1 : positiveInt('pipelining', o.pipelining),
    setup: optionalFunc('setup', o.setup),
    beforeAcquire: optionalFunc('beforeAcquire', o.beforeAcquire),
    afterRelease: optionalFunc('afterRelease', o.afterRelease),
    isUsable: optionalFunc('isUsable', o.isUsable),
    now: optionalFunc<() => number>('now', o.now) ?? defaultNow,
  };
}

/** A wait in milliseconds: > 0 and at most what a timer can hold, or Infinity. */
export function positiveMsOrInfinity(option: string, value: unknown): number {
  if (value === Infinity) return value;
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_MS) {
    throw new ConfigError(option, `must be a number of milliseconds above 0 and at most ${MAX_TIMER_MS}, or Infinity for no limit, got ${describe(value)}`);
  }
  return value;
}

function countOrInfinity(option: string, value: unknown): number {
  if (value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(option, `must be an integer >= 0, or Infinity for no limit, got ${describe(value)}`);
  }
  return value;
}

function optionalFunc<F extends (...args: never[]) => unknown>(option: string, value: unknown): F | undefined {
  return value === undefined ? undefined : func<F>(option, value);
}
