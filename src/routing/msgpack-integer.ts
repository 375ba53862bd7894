/**
 * Integers as Tarantool hashes them: the most compact MessagePack form, marker byte included (Picodata's
 * fork keeps the marker; upstream Tarantool 2.11.6+ drops it, so its hashes differ). Non-negative values
 * always take the unsigned markers, as `rmp::encode::write_sint` writes them.
 */

const TWO_32 = 4294967296;

/** The smallest and largest integers MessagePack can carry: -2^63 and 2^64 - 1. */
export const MIN_INTEGER = -(2n ** 63n);
export const MAX_INTEGER = 2n ** 64n - 1n;

/** Whether an integral `number` fits MessagePack's integer range [-2^63, 2^64). Both bounds are exact doubles. */
export function isEncodableInteger(n: number): boolean {
  return n >= -9223372036854775808 && n < 18446744073709551616;
}

/** The most bytes {@link writeInteger} writes. */
export const MAX_INTEGER_BYTES = 9;

/**
 * Writes the integral `n` (in range, see {@link isEncodableInteger}) at `pos` and returns the position after it.
 * Doubles beyond 2^53 are still exact integers, and splitting them by 2^32 is exact too, so no bigint is needed.
 */
export function writeInteger(view: DataView, bytes: Uint8Array, pos: number, n: number): number {
  if (n >= 0) {
    if (n < 0x80) {
      bytes[pos] = n;
      return pos + 1;
    }
    if (n < 0x100) {
      bytes[pos] = 0xcc;
      bytes[pos + 1] = n;
      return pos + 2;
    }
    if (n < 0x10000) {
      bytes[pos] = 0xcd;
      view.setUint16(pos + 1, n);
      return pos + 3;
    }
    if (n < TWO_32) {
      bytes[pos] = 0xce;
      view.setUint32(pos + 1, n);
      return pos + 5;
    }
    const high = Math.floor(n / TWO_32);
    bytes[pos] = 0xcf;
    view.setUint32(pos + 1, high);
    view.setUint32(pos + 5, n - high * TWO_32);
    return pos + 9;
  }
  if (n >= -32) {
    bytes[pos] = n & 0xff;
    return pos + 1;
  }
  if (n >= -0x80) {
    bytes[pos] = 0xd0;
    bytes[pos + 1] = n & 0xff;
    return pos + 2;
  }
  if (n >= -0x8000) {
    bytes[pos] = 0xd1;
    view.setInt16(pos + 1, n);
    return pos + 3;
  }
  if (n >= -0x80000000) {
    bytes[pos] = 0xd2;
    view.setInt32(pos + 1, n);
    return pos + 5;
  }
  const high = Math.floor(n / TWO_32);
  bytes[pos] = 0xd3;
  view.setInt32(pos + 1, high);
  view.setUint32(pos + 5, n - high * TWO_32);
  return pos + 9;
}

/** Writes a bigint already checked against [{@link MIN_INTEGER}, {@link MAX_INTEGER}]. */
export function writeBigInteger(view: DataView, bytes: Uint8Array, pos: number, n: bigint): number {
  // Every value the number path cannot hold exactly takes the 9-byte forms, so only those need bigint writes.
  if (n >= -9007199254740991n && n <= 9007199254740991n) return writeInteger(view, bytes, pos, Number(n));
  if (n > 0n) {
    bytes[pos] = 0xcf;
    view.setBigUint64(pos + 1, n);
  } else {
    bytes[pos] = 0xd3;
    view.setBigInt64(pos + 1, n);
  }
  return pos + 9;
}
