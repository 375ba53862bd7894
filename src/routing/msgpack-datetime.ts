/**
 * Datetimes as Picodata hashes them: Tarantool's MP_EXT type 4. The payload is the UTC epoch seconds
 * (int64, little-endian), then, only when the nanoseconds or the UTC offset are not zero, nanoseconds
 * (int32 LE), the offset in minutes (int16 LE) and a time-zone index 0 (int16 LE). The offset changes the
 * bytes, so the same instant written with another offset lands in another bucket.
 */

const TWO_32 = 4294967296;

/** The most bytes {@link writeDatetime} writes. */
export const MAX_DATETIME_BYTES = 18;

/** Tarantool's bounds for a datetime's UTC offset, in minutes (UTC-12:00 .. UTC+14:00). */
export const MIN_OFFSET_MINUTES = -12 * 60;
export const MAX_OFFSET_MINUTES = 14 * 60;

/** Writes the instant `epochMs` (a valid Date's time value) with `offsetMinutes`; returns the position after it. */
export function writeDatetime(view: DataView, bytes: Uint8Array, pos: number, epochMs: number, offsetMinutes: number): number {
  // Seconds round down and nanoseconds stay non-negative, also before 1970, as in Tarantool's datetime.
  const seconds = Math.floor(epochMs / 1000);
  const nanoseconds = (epochMs - seconds * 1000) * 1_000_000;
  const long = nanoseconds !== 0 || offsetMinutes !== 0;
  bytes[pos] = long ? 0xd8 : 0xd7;
  bytes[pos + 1] = 0x04;
  // |seconds| < 2^44 for any valid Date, so the split by 2^32 is exact.
  const high = Math.floor(seconds / TWO_32);
  view.setUint32(pos + 2, seconds - high * TWO_32, true);
  view.setInt32(pos + 6, high, true);
  if (!long) return pos + 10;
  view.setInt32(pos + 10, nanoseconds, true);
  view.setInt16(pos + 14, offsetMinutes, true);
  view.setInt16(pos + 16, 0, true);
  return pos + 18;
}
