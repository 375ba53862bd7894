/**
 * MurmurHash3, x86 32-bit variant: the hash behind Picodata's `bucket_id` (Tarantool's `key_def` hash,
 * PMurHash32, seed 13). Feeding the key parts one after another, as Tarantool does, gives the same result
 * as hashing their concatenation once, so a single pass over one buffer is enough.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * The 32-bit MurmurHash3 (x86) of `bytes[0 .. length)`, as an unsigned integer.
 *
 * @example
 * ```ts
 * murmur3x86_32(Uint8Array.of(0x01), 13); // 1457374933: the integer key 1 in Picodata
 * ```
 */
export function murmur3x86_32(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  let h = seed | 0;
  const blocks = length & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    // Blocks are read little-endian whatever the host, so the hash is portable (PMurHash does the same).
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail !== 0) {
    let k = bytes[i]!;
    if (tail > 1) k |= bytes[i + 1]! << 8;
    if (tail > 2) k |= bytes[i + 2]! << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
