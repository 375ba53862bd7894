/**
 * Picodata's bucket_id, computed on the client: MurmurHash3 (x86, 32-bit, seed 13) over the key parts'
 * bytes, then `hash % bucketCount + 1`. The same computation as the server's `calculate_bucket_id`, so a
 * statement can be sent straight to the instance that owns its rows.
 */
import { ConfigError, ParameterError } from '../errors.js';
import { KeyEncoder } from './key-encoder.js';
import type { KeyPart } from './key-part.js';
import { murmur3x86_32 } from './murmur3.js';

/** Tarantool's seed for key hashes (`HASH_SEED` in tuple_hash.cc). */
const HASH_SEED = 13;
/** Picodata's default bucket count of a tier. */
export const DEFAULT_BUCKET_COUNT = 3000;

/** Options of {@link bucketId}. */
export interface BucketIdOptions {
  /**
   * Hash double parts as Picodata 25.x and older did: every double as MessagePack float64 (`0xcb` + 8 bytes),
   * so `keyPart.double(1)` is not the bucket of the integer 1. Default `false`: the rule of 26.1.1 and later
   * (an integral double hashes like the integer; other doubles as their 8 bytes without the header).
   */
  legacyDoubleHashing?: boolean;
}

const encoder = new KeyEncoder();

/**
 * The bucket (1 .. `bucketCount`) that Picodata stores a row with this sharding key in.
 *
 * `key` holds the values of the sharding-key columns in the table's sharding-key order (its
 * `DISTRIBUTED BY` list, or its primary key's column order), each typed as the server will type the value
 * the statement sends; see {@link KeyPart}. A single value may be passed alone. `bucketCount` is that of the
 * table's tier (`_pico_tier.bucket_count`, 3000 by default).
 *
 * Throws {@link ParameterError} (with the part's `index`) for a part that has no Picodata key type or does
 * not fit it, and {@link ConfigError} for a bad `bucketCount` or option.
 *
 * @example
 * ```ts
 * bucketId(1);                // 1934
 * bucketId(['2', 1]);         // 2997: PRIMARY KEY (c TEXT, a INT)
 * bucketId(42, 16384);        // another tier's bucket count
 * ```
 */
export function bucketId(key: readonly KeyPart[] | KeyPart, bucketCount = DEFAULT_BUCKET_COUNT, options?: BucketIdOptions): number {
  if (!Number.isSafeInteger(bucketCount) || bucketCount < 1) throw badBucketCount(bucketCount);
  const legacyDoubles = options === undefined ? false : readLegacyDoubles(options);
  const hash = hashKey(key, legacyDoubles);
  return (hash % bucketCount) + 1;
}

/** The 32-bit hash Picodata computes for a key (before the modulo). */
export function keyHash(key: readonly KeyPart[] | KeyPart, options?: BucketIdOptions): number {
  return hashKey(key, options === undefined ? false : readLegacyDoubles(options));
}

function hashKey(key: readonly KeyPart[] | KeyPart, legacyDoubles: boolean): number {
  // A nested call (from a Proxy key or a patched Date) must not clobber the shared buffer.
  const own = encoder.busy ? new KeyEncoder() : encoder;
  own.busy = true;
  try {
    own.reset();
    if (Array.isArray(key)) {
      const parts = key as readonly KeyPart[];
      if (parts.length === 0) throw new ParameterError('bucketId: the key has no parts; pass the sharding-key values', {});
      for (let i = 0; i < parts.length; i += 1) own.append(parts[i] as KeyPart, i, legacyDoubles);
    } else {
      own.append(key as KeyPart, 0, legacyDoubles);
    }
    return murmur3x86_32(own.bytes, HASH_SEED, own.length);
  } finally {
    own.busy = false;
  }
}

function readLegacyDoubles(options: BucketIdOptions): boolean {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `expected an object like { legacyDoubleHashing: true } or nothing; got ${options === null ? 'null' : typeof options}`);
  }
  const value: unknown = options.legacyDoubleHashing;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ConfigError('legacyDoubleHashing', `expected true or false; got ${typeof value}`);
  return value;
}

function badBucketCount(value: unknown): ConfigError {
  if (value === 0) {
    return new ConfigError('bucketCount', 'is 0: that tier holds no sharded data (an arbiter tier), so no row has a bucket');
  }
  const shown = typeof value === 'number' ? String(value) : typeof value;
  return new ConfigError('bucketCount', `expected a positive integer (the tier's bucket_count, 3000 by default); got ${shown}`);
}
