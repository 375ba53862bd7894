import { READ_PREFERENCES, type ReadPreference } from '../config/picodata-options.js';
import { boolean, describe, nonNegativeMs, oneOf, rejectUnknownKeys } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import { checkLocality, type Locality } from '../balance/locality.js';
import { positiveMsOrInfinity } from '../resource-pool/resource-pool-options.js';
import type { QueryOptions } from '../protocol/query-types.js';
import type { AcquireConnectionOptions } from './instance-connections.js';

/** Per-query options of the cluster-aware pool. */
export interface ClusterQueryOptions extends QueryOptions {
  /**
   * Running this statement twice is harmless: after a failure that may have reached the server, it may be
   * retried on another instance. Default false.
   */
  idempotent?: boolean;
  /**
   * The statement only reads, so it may be retried on another instance. Default: guessed from the SQL text
   * (a single SELECT/VALUES/WITH without writes); pass `false` for a SELECT that calls a function with side
   * effects.
   */
  readOnly?: boolean;
  /** Picodata's read preference for this statement (26.1.1+); sessions are kept per preference. */
  readPreference?: ReadPreference;
  /** Instances to prefer for this statement (a tier, a failure domain) while any is healthy; default the pool's. */
  prefer?: Locality;
}

/** Options of `acquire()`. */
export interface ClusterAcquireOptions extends AcquireConnectionOptions {
  /** Picodata's read preference for this session (26.1.1+); default the pool's. */
  readPreference?: ReadPreference;
  /** Instances to prefer for this session while any is healthy; default the pool's `prefer`. */
  prefer?: Locality;
}

/**
 * Checks what the cluster adds to a statement's options (the protocol layer checks the rest). Throws a
 * ConfigError naming the option.
 */
export function checkClusterQueryOptions(options: ClusterQueryOptions | undefined): void {
  if (options === undefined) return;
  if (options.idempotent !== undefined) boolean('idempotent', options.idempotent);
  if (options.readOnly !== undefined) boolean('readOnly', options.readOnly);
  if (options.readPreference !== undefined) oneOf('readPreference', options.readPreference, READ_PREFERENCES);
  if (options.prefer !== undefined) checkLocality('prefer', options.prefer);
}

/** Checks the options of `acquire()`. Throws a ConfigError naming the option. */
export function checkAcquireOptions(options: unknown): asserts options is ClusterAcquireOptions | undefined {
  if (options === undefined) return;
  if (typeof options === 'number') {
    // picopyn's acquire(timeout) counts seconds: taking the number as milliseconds would wait 1000 times too short.
    throw new ConfigError('options', `acquire() takes an options object, not a positional timeout: acquire({ timeout: ${options * 1000} }) waits ${options} s (timeout counts milliseconds)`);
  }
  if (options === null || typeof options !== 'object') throw new ConfigError('options', `acquire() takes an options object or nothing, got ${describe(options)}`);
  rejectUnknownKeys('acquire options', options, ACQUIRE_KEYS);
  const o = options as ClusterAcquireOptions;
  if (o.timeout !== undefined) positiveMsOrInfinity('timeout', o.timeout);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ConfigError('signal', `must be an AbortSignal, got ${describe(o.signal)}`);
  if (o.readPreference !== undefined) oneOf('readPreference', o.readPreference, READ_PREFERENCES);
  if (o.prefer !== undefined) checkLocality('prefer', o.prefer);
}

/** Checks the options of `close()`. Throws a ConfigError naming the option. */
export function checkCloseOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new ConfigError('options', `close() takes { drainTimeout } or nothing, got ${describe(options)}`);
  rejectUnknownKeys('close options', options, ['drainTimeout']);
  const { drainTimeout } = options as { drainTimeout?: unknown };
  if (drainTimeout !== undefined) nonNegativeMs('drainTimeout', drainTimeout);
}

const ACQUIRE_KEYS = ['timeout', 'signal', 'readPreference', 'prefer'];
