import { ParameterError } from '../errors.js';

/** PostgreSQL refuses a message of 1 GiB or more; Picodata's limits are lower still. */
export const MAX_BIND_BYTES = 0x3fffffff;

/** Byte lengths of the values of the Bind being built; grown when a statement has more parameters. */
let lengths = new Int32Array(64);

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

/** Writes `s`, whose UTF-8 length is `len`, at `at`; returns `len`. */
function writeString(buf: Buffer, s: string, at: number, len: number): number {
  if (len === s.length && len <= SHORT) {
    // ASCII (one byte per character, as measured): each character is its byte.
    for (let i = 0; i < len; i++) buf[at + i] = s.charCodeAt(i);
    return len;
  }
  return buf.write(s, at, 'utf8');
}

/**
 * A Bind message for the unnamed portal: every parameter and every result column in text format (format
 * counts 0), built in one exactly sized buffer. Each string's UTF-8 length is measured once, and its bytes
 * are written once, straight into the message; nothing is shared between calls, so a failure leaves nothing
 * behind for the next message.
 *
 * @throws {ParameterError} when the message would reach {@link MAX_BIND_BYTES}; nothing is allocated then.
 */
export function bindMessage(statement: string, values: readonly (string | null)[]): Buffer {
  const n = values.length;
  if (lengths.length < n) lengths = new Int32Array(Math.max(n, lengths.length * 2));
  const nameBytes = byteLength(statement);
  // length, portal "" + NUL, name + NUL, parameter format count, parameter count, result format count
  let size = 4 + 1 + nameBytes + 1 + 2 + 2 + 2 + 4 * n;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const len = v === null || v === undefined ? -1 : byteLength(v);
    lengths[i] = len;
    if (len > 0) size += len;
  }
  if (size + 1 > MAX_BIND_BYTES) {
    throw new ParameterError(`the parameters take ${size + 1} bytes; one message may carry at most ${MAX_BIND_BYTES}`);
  }
  const buf = Buffer.allocUnsafe(size + 1);
  buf[0] = 0x42; // 'B'
  buf.writeInt32BE(size, 1);
  buf[5] = 0; // the unnamed portal
  let at = 6;
  if (nameBytes > 0) at += writeString(buf, statement, at, nameBytes);
  buf[at++] = 0;
  buf.writeInt16BE(0, at); // no parameter format codes: all text
  buf.writeUInt16BE(n, at + 2);
  at += 4;
  for (let i = 0; i < n; i++) {
    const len = lengths[i]!;
    buf.writeInt32BE(len, at);
    at += 4;
    if (len > 0) at += writeString(buf, values[i]!, at, len);
  }
  buf.writeInt16BE(0, at); // no result format codes: all text
  return buf;
}
