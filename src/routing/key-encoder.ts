/**
 * Encodes sharding-key parts into the bytes Picodata hashes, in one reusable buffer: no allocation per part
 * or per key once the buffer has grown to fit.
 */
import { ParameterError } from '../errors.js';
import { describeType } from '../types/encode-param.js';
import { shortly, TypedKeyPart, typedPartBytes, type KeyPart } from './key-part.js';
import { MAX_DATETIME_BYTES, writeDatetime } from './msgpack-datetime.js';
import { isEncodableInteger, MAX_INTEGER, MAX_INTEGER_BYTES, MIN_INTEGER, writeBigInteger, writeInteger } from './msgpack-integer.js';

const INITIAL_SIZE = 256;
/** A buffer grown past this by one huge text is dropped after use rather than kept for the process's life. */
const KEEP_AT_MOST = 64 * 1024;

/** The bytes of one key, part after part. Not re-entrant: {@link KeyEncoder.busy} says when it is in use. */
export class KeyEncoder {
  #bytes = new Uint8Array(INITIAL_SIZE);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;
  /** Set while a key is being encoded, so a nested call (a Proxy key, a patched Date) takes its own encoder. */
  busy = false;

  /** The encoded bytes; valid up to {@link length} until the next {@link reset}. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  get length(): number {
    return this.#length;
  }

  /** Starts a new key, shrinking the buffer back if one huge text grew it. */
  reset(): void {
    this.#length = 0;
    if (this.#bytes.length > KEEP_AT_MOST) this.#resize(INITIAL_SIZE);
  }

  /**
   * Appends one part. `index` names the part in errors; `legacyDoubles` picks Picodata <= 25.x's rule for
   * doubles (always MessagePack float64, 9 bytes) over the 26.1.1+ rule (integral doubles as integers,
   * others as 8 bytes without the header).
   */
  append(part: KeyPart, index: number, legacyDoubles: boolean): void {
    switch (typeof part) {
      case 'number':
        if (Number.isInteger(part)) {
          if (!isEncodableInteger(part)) {
            throw badPart(index, part, 'is an integer beyond -2^63 .. 2^64-1; wrap it in keyPart.double() if the column is a double');
          }
          this.#ensure(MAX_INTEGER_BYTES);
          this.#length = writeInteger(this.#view, this.#bytes, this.#length, part);
        } else {
          if (Number.isNaN(part)) throw badPart(index, part, 'is NaN, which has no stable bucket');
          this.#appendDouble(part, legacyDoubles);
        }
        return;
      case 'string':
        this.#appendText(part);
        return;
      case 'bigint':
        if (part < MIN_INTEGER || part > MAX_INTEGER) throw badPart(index, part, 'is beyond the integer range -2^63 .. 2^64-1');
        this.#ensure(MAX_INTEGER_BYTES);
        this.#length = writeBigInteger(this.#view, this.#bytes, this.#length, part);
        return;
      case 'boolean':
        this.#ensure(1);
        this.#bytes[this.#length++] = part ? 0xc3 : 0xc2;
        return;
      case 'object':
        if (part === null) {
          this.#ensure(1);
          this.#bytes[this.#length++] = 0xc0;
          return;
        }
        if (part instanceof TypedKeyPart) {
          this.#appendTyped(part, legacyDoubles);
          return;
        }
        if (part instanceof Date) {
          const time = part.getTime();
          if (Number.isNaN(time)) throw badPart(index, part, 'is an invalid Date');
          this.#ensure(MAX_DATETIME_BYTES);
          this.#length = writeDatetime(this.#view, this.#bytes, this.#length, time, 0);
          return;
        }
        break;
      default:
        break;
    }
    throw badPart(
      index,
      part,
      part === undefined
        ? 'is undefined; use null for a NULL part'
        : 'has no Picodata key type: use a number, bigint, string, boolean, null, Date or a keyPart.* wrapper',
    );
  }

  #appendTyped(part: TypedKeyPart, legacyDoubles: boolean): void {
    const bytes = typedPartBytes(part);
    if (bytes === undefined) {
      this.#appendDouble(part.value as number, legacyDoubles);
      return;
    }
    this.#ensure(bytes.length);
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #appendDouble(value: number, legacyDoubles: boolean): void {
    this.#ensure(9);
    if (legacyDoubles) {
      this.#bytes[this.#length] = 0xcb;
      this.#view.setFloat64(this.#length + 1, value);
      this.#length += 9;
    } else if (Number.isInteger(value) && isEncodableInteger(value)) {
      // 26.1.1+: an integral double hashes as the integer it equals (so -0.0 as 0).
      this.#length = writeInteger(this.#view, this.#bytes, this.#length, value);
    } else {
      // 26.1.1+: other doubles are the 8 IEEE-754 bytes, big-endian, without MessagePack's 0xcb header.
      this.#view.setFloat64(this.#length, value);
      this.#length += 8;
    }
  }

  /** Text is hashed as its UTF-8 bytes alone, without a MessagePack header. */
  #appendText(text: string): void {
    // At most 3 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
    this.#ensure(text.length * 3);
    const bytes = this.#bytes;
    let pos = this.#length;
    const n = text.length;
    for (let i = 0; i < n; i += 1) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        bytes[pos++] = c;
      } else if (c < 0x800) {
        bytes[pos++] = 0xc0 | (c >> 6);
        bytes[pos++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i += 1;
            bytes[pos++] = 0xf0 | (c >> 18);
            bytes[pos++] = 0x80 | ((c >> 12) & 0x3f);
            bytes[pos++] = 0x80 | ((c >> 6) & 0x3f);
            bytes[pos++] = 0x80 | (c & 0x3f);
            continue;
          }
          // A lone surrogate goes out as U+FFFD, as Node's UTF-8 encoder sends it to the server.
          c = 0xfffd;
        }
        bytes[pos++] = 0xe0 | (c >> 12);
        bytes[pos++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[pos++] = 0x80 | (c & 0x3f);
      }
    }
    this.#length = pos;
  }

  #ensure(extra: number): void {
    const needed = this.#length + extra;
    if (needed > this.#bytes.length) this.#resize(Math.max(needed, this.#bytes.length * 2));
  }

  #resize(size: number): void {
    const bytes = new Uint8Array(size);
    bytes.set(this.#bytes.subarray(0, Math.min(this.#length, size)));
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }
}

function badPart(index: number, value: unknown, what: string): ParameterError {
  return new ParameterError(`bucketId: key part ${index} (${shortly(value)}) ${what}`, { index, valueType: describeType(value) });
}
