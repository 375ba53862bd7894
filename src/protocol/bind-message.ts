import { ParameterError } from '../errors.js';

/** PostgreSQL refuses a message of 1 GiB or more; Picodata's limits are lower still. */
export const MAX_BIND_BYTES = 0x3fffffff;

/**
 * Strings up to this long are measured and copied in JS when they are ASCII: for a short string (a number,
 * a statement name) that costs less than a call into the runtime, and it is the common case of a Bind.
 */
const SHORT = 32;

/** The UTF-8 byte length of `s`. */
function byteLength(s: string): number {
  const n = s.length;
  if (n > SHORT) return Buffer.byteLength(s);
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s);
  return n;
}

/** Writes `s` as UTF-8 at `at` (the buffer was sized with {@link byteLength}); returns the bytes written. */
function writeString(buf: Buffer, s: string, at: number): number {
  const n = s.length;
  if (n <= SHORT) {
    let i = 0;
    // ASCII, the common case: each character is its byte. At the first other character, start over.
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[at + i] = c;
    }
    if (i === n) return n;
  }
  return buf.write(s, at, 'utf8');
}

/**
 * The size in bytes of the Bind that {@link writeBind} writes for these arguments: for the unnamed portal,
 * every parameter and every result column in text format (format counts 0).
 *
 * @throws {ParameterError} when the message would reach {@link MAX_BIND_BYTES}.
 */
export function bindSize(statement: string, values: readonly (string | null)[]): number {
  const n = values.length;
  // type, length, portal "" + NUL, name + NUL, parameter format count, parameter count, result format count
  let size = 1 + 4 + 1 + byteLength(statement) + 1 + 2 + 2 + 2 + 4 * n;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) size += byteLength(v);
  }
  if (size > MAX_BIND_BYTES) {
    throw new ParameterError(`the parameters take ${size} bytes; one message may carry at most ${MAX_BIND_BYTES}`);
  }
  return size;
}

/**
 * Writes the Bind whose size {@link bindSize} gave into `buf` at `at`, each string's bytes straight into
 * place; returns the offset after it. Values are written before their length, which is then filled in, so
 * no string is measured twice.
 */
export function writeBind(buf: Buffer, at: number, statement: string, values: readonly (string | null)[]): number {
  const start = at;
  buf[at] = 0x42; // 'B'
  buf[at + 5] = 0; // the unnamed portal
  at += 6;
  at += writeString(buf, statement, at);
  buf[at++] = 0;
  buf.writeInt16BE(0, at); // no parameter format codes: all text
  const n = values.length;
  buf.writeUInt16BE(n, at + 2);
  at += 4;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      buf.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    const len = writeString(buf, v, at + 4);
    buf.writeInt32BE(len, at);
    at += 4 + len;
  }
  buf.writeInt16BE(0, at); // no result format codes: all text
  at += 2;
  buf.writeInt32BE(at - start - 1, start + 1);
  return at;
}
