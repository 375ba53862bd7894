/**
 * What a sharding-key value can be, and the wrappers for the Picodata types a plain JS value cannot name.
 */
import { ParameterError } from '../errors.js';
import { describeType } from '../types/encode-param.js';
import { encodeDecimal } from './msgpack-decimal.js';
import { MAX_OFFSET_MINUTES, MIN_OFFSET_MINUTES, writeDatetime } from './msgpack-datetime.js';

/** The Picodata types that need a wrapper: JS has no value that says "uuid", "decimal" or "a double 1.0". */
export type TypedKeyPartType = 'uuid' | 'decimal' | 'double' | 'datetime';

/**
 * One part of a sharding key, typed as Picodata will type the value the statement sends:
 *
 * | JS value                              | Picodata type |
 * |---------------------------------------|---------------|
 * | integral `number`, `bigint`           | integer       |
 * | `string`                              | text          |
 * | `boolean`                             | boolean       |
 * | `null`                                | NULL          |
 * | `Date`                                | datetime, UTC |
 * | non-integral `number`                 | double        |
 * | `keyPart.uuid/decimal/double/datetime`| that type     |
 */
export type KeyPart = number | bigint | string | boolean | null | Date | TypedKeyPart;

let encodedBytes: (part: TypedKeyPart) => Uint8Array | undefined;

/**
 * A key part whose Picodata type is given explicitly. Make them with {@link keyPart}; they are immutable and
 * validated when made, so one can be reused for every bucket computation.
 */
export class TypedKeyPart {
  /** The Picodata type the value is hashed as. */
  readonly type: TypedKeyPartType;
  /** The value as given: the text for uuid and decimal, the number for double, the Date for datetime. */
  readonly value: string | number | Date;
  /** For a datetime: its UTC offset in minutes. 0 otherwise. */
  readonly offsetMinutes: number;
  /** The hashed bytes, computed once; undefined for a double, whose bytes depend on the server's version. */
  readonly #bytes: Uint8Array | undefined;

  static {
    encodedBytes = (part) => part.#bytes;
  }

  /** @hidden Use {@link keyPart}. */
  constructor(type: TypedKeyPartType, value: string | number | Date, bytes: Uint8Array | undefined, offsetMinutes = 0) {
    this.type = type;
    this.value = value;
    this.offsetMinutes = offsetMinutes;
    this.#bytes = bytes;
    Object.freeze(this);
  }

  /** `uuid(…)`, `decimal(…)`, `double(…)` or `datetime(…)`, for messages and logs. */
  toString(): string {
    const shown = this.value instanceof Date ? this.value.toISOString() : String(this.value);
    return this.type === 'datetime' && this.offsetMinutes !== 0 ? `datetime(${shown}, ${this.offsetMinutes} min)` : `${this.type}(${shown})`;
  }
}

/** The precomputed bytes of a typed part (undefined for a double). Internal to the routing layer. */
export function typedPartBytes(part: TypedKeyPart): Uint8Array | undefined {
  return encodedBytes(part);
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Wrappers for key parts whose Picodata type a JS value cannot express.
 *
 * @example
 * ```ts
 * bucketId([keyPart.uuid('9035910e-8342-4460-8c25-25e5f10d9876')]);
 * bucketId(keyPart.decimal('1.0'));  // 712: not the bucket of decimal '1' (2135) nor of integer 1 (1934)
 * bucketId(keyPart.double(1.5));
 * bucketId(keyPart.datetime(new Date('2025-06-10T12:10:08Z'), 180)); // sent as text '2025-06-10 15:10:08+03'
 * ```
 */
export const keyPart = Object.freeze({
  /** A uuid, written `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case). */
  uuid(text: string): TypedKeyPart {
    if (typeof text !== 'string' || !UUID_TEXT.test(text)) {
      throw invalid('keyPart.uuid', text, 'a uuid text like "9035910e-8342-4460-8c25-25e5f10d9876"');
    }
    const bytes = new Uint8Array(18);
    bytes[0] = 0xd8;
    bytes[1] = 0x02;
    const hex = text.replace(/-/g, '');
    for (let i = 0; i < 16; i += 1) bytes[2 + i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return new TypedKeyPart('uuid', text, bytes);
  },

  /**
   * A decimal (numeric), from the exact text the statement sends: the scale counts, so `'1'`, `'1.0'` and
   * `'1.00'` are three different buckets, as they are on the server.
   */
  decimal(text: string): TypedKeyPart {
    if (typeof text !== 'string') throw invalid('keyPart.decimal', text, 'the decimal as a string, e.g. "12.50"');
    const bytes = encodeDecimal(text);
    if (typeof bytes === 'string') {
      throw new ParameterError(`keyPart.decimal: ${JSON.stringify(text)} ${bytes}`, { valueType: 'string' });
    }
    return new TypedKeyPart('decimal', text, bytes);
  },

  /**
   * A double (float8) value, also an integral one: a `number` like `1` alone counts as an integer. From
   * Picodata 26.1.1 on an integral double hashes like the integer, before that it did not.
   */
  double(value: number): TypedKeyPart {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw invalid('keyPart.double', value, 'a number other than NaN (NaN has many bit patterns, so no stable bucket)');
    }
    return new TypedKeyPart('double', value, undefined);
  },

  /**
   * A datetime with an explicit UTC offset in minutes (-720 .. 840). Needed only when the statement sends
   * the value as text with that offset: Picodata keeps the offset and hashes it. A plain `Date` is UTC.
   */
  datetime(date: Date, offsetMinutes = 0): TypedKeyPart {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw invalid('keyPart.datetime', date, 'a valid Date');
    if (!Number.isInteger(offsetMinutes) || offsetMinutes < MIN_OFFSET_MINUTES || offsetMinutes > MAX_OFFSET_MINUTES) {
      throw new ParameterError(
        `keyPart.datetime: offsetMinutes must be an integer from ${MIN_OFFSET_MINUTES} to ${MAX_OFFSET_MINUTES}; got ${String(offsetMinutes)}`,
        { valueType: typeof offsetMinutes },
      );
    }
    const bytes = new Uint8Array(18);
    const end = writeDatetime(new DataView(bytes.buffer), bytes, 0, date.getTime(), offsetMinutes);
    return new TypedKeyPart('datetime', new Date(date.getTime()), bytes.slice(0, end), offsetMinutes);
  },
});

function invalid(where: string, value: unknown, expected: string): ParameterError {
  return new ParameterError(`${where}: expected ${expected}; got ${shortly(value)}`, { valueType: describeType(value) });
}

/** A value for an error message: short, and never an object's contents. */
export function shortly(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}…` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return `a value of type ${describeType(value)}`;
}
