import { READ_PREFERENCES, type ReadPreference } from '../config/picodata-options.js';
import { boolean, describe, nonNegativeMs, oneOf, rejectUnknownKeys } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import { checkLocality, type Locality } from '../balance/locality.js';
import { keyHash } from '../routing/bucket-id.js';
import type { KeyPart } from '../routing/key-part.js';
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
  /**
   * The statement's sharding key: the values of the table's sharding-key columns, in sharding-key order,
   * typed as the statement sends them (see {@link KeyPart}); a single value may be given alone. The
   * statement goes to the replicaset owning the key's bucket: writes (and reads by default) to its leader;
   * reads with `readPreference: 'replica' | 'any'` to any of its members ('replica': non-leaders first).
   * When the owner is unknown or unhealthy it is routed as without a key. Needs discovery and Picodata
   * 25.5.1+ (`_pico_bucket`). Doubles hash by the 26.1.1+ rule.
   */
  routeKey?: readonly KeyPart[] | KeyPart;
  /** The tier of `routeKey`'s table; default the tier of the seed instance the topology came from, else `'default'`. */
  routeTier?: string;
}

/** Options of `pool.ownerOf()`. */
export interface OwnerOfOptions {
  /** The tier of the key's table; default as for `routeTier`. */
  tier?: string;
}

/** Options of `acquire()`. */
export interface ClusterAcquireOptions extends AcquireConnectionOptions {
  /** Picodata's read preference for this session (26.1.1+); default the pool's. */
  readPreference?: ReadPreference;
  /** Instances to prefer for this session while any is healthy; default the pool's `prefer`. */
  prefer?: Locality;
  /** Open the session on the leader of the replicaset owning this sharding key (see `ClusterQueryOptions.routeKey`). */
  routeKey?: readonly KeyPart[] | KeyPart;
  /** The tier of `routeKey`'s table; default as for statements. */
  routeTier?: string;
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
  if (options.routeTier !== undefined) checkRouteTier(options.routeTier);
}

/**
 * The 32-bit hash of a `routeKey` (tier-independent: the bucket is `hash % bucketCount + 1`). This is the
 * check of `routeKey` too: a part Picodata cannot hash becomes a ConfigError naming `option`.
 *
 * @example routeKeyHash('routeKey', [1, 'kek']) // 3990930133
 */
export function routeKeyHash(option: string, key: unknown): number {
  if (key === undefined) throw new ConfigError(option, 'must be a key part or an array of them, got undefined');
  try {
    return keyHash(key as readonly KeyPart[] | KeyPart);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^bucketId: /, '') : String(error);
    throw new ConfigError(option, message);
  }
}

function checkRouteTier(value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new ConfigError('routeTier', `must be a tier name, got ${describe(value)}`);
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
  if (o.routeTier !== undefined) checkRouteTier(o.routeTier);
}

/** Checks the options of `close()`. Throws a ConfigError naming the option. */
export function checkCloseOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new ConfigError('options', `close() takes { drainTimeout } or nothing, got ${describe(options)}`);
  rejectUnknownKeys('close options', options, ['drainTimeout']);
  const { drainTimeout } = options as { drainTimeout?: unknown };
  if (drainTimeout !== undefined) nonNegativeMs('drainTimeout', drainTimeout);
}

const ACQUIRE_KEYS = ['timeout', 'signal', 'readPreference', 'prefer', 'routeKey', 'routeTier'];
