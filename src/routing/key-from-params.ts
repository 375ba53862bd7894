/**
 * A statement's sharding key from its own parameters, as Picodata's query metadata describes it: `dk_meta`
 * lists, in sharding-key order, which parameter holds each key column and the type (a PostgreSQL OID) the
 * server gives that value. The key is what the server will hash, so each value is read from the text picots
 * sends for it (see `encodeParam`), typed by the OID, never by the JS type alone.
 */
import { encodeParam } from '../types/encode-param.js';
import { keyPart, type KeyPart } from './key-part.js';

/** `[parameter number (1-based), type OID]` per sharding-key column, in sharding-key order. */
export type DkMeta = ReadonlyArray<readonly [param: number, oid: number]>;

/** The OIDs Picodata puts in `dk_meta` (its `sbroad_type_to_pg`). */
export const DK_OID = Object.freeze({ integer: 20, decimal: 1700, boolean: 16, datetime: 1184, uuid: 2950, text: 25, double: 701 });

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
// What Rust's f64 parser reads and JS's Number() reads the same way (no hex, no blanks, no empty string).
const DOUBLE_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity)$/i;
// `2025-06-10 15:10:08.5+03`, `2025-06-10T12:10:08.000Z`, `...+03:30`: only with an explicit offset, since the
// offset is hashed and a text without one is read by the server's rules, not ours.
const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * The sharding key of one execution, or `undefined` when a value cannot be typed as its OID says (then the
 * statement is routed as one without a key, which is always correct, only a hop slower).
 *
 * | OID  | Picodata type | parameter accepted (as the text picots sends)          | key part                |
 * |------|---------------|---------------------------------------------------------|-------------------------|
 * | 20   | integer       | integral number, bigint, integer text, within int64    | bigint                  |
 * | 1700 | decimal       | number, bigint, decimal text (the scale counts)         | `keyPart.decimal(text)` |
 * | 16   | boolean       | boolean, `'true'`/`'false'`                             | boolean                 |
 * | 1184 | datetime      | Date, text with an explicit UTC offset or `Z`           | `keyPart.datetime`      |
 * | 2950 | uuid          | uuid text                                               | `keyPart.uuid(text)`    |
 * | 25   | text          | any value picots sends as text                          | string                  |
 * | 701  | double        | number, numeric text                                    | `keyPart.double(n)`     |
 *
 * `null` and `undefined` give a NULL part, as the server hashes a NULL key value.
 *
 * @example
 * ```ts
 * // Picodata: insert into t (b, e, d) values ($2::text, $3::uuid, $1::double) with PRIMARY KEY (e, b, d)
 * keyFromParams([[3, 2950], [2, 25], [1, 701]], [1.5, 'x', '9035910e-8342-4460-8c25-25e5f10d9876']);
 * // [keyPart.uuid('9035910e-…'), 'x', keyPart.double(1.5)]
 * ```
 */
export function keyFromParams(dkMeta: DkMeta, params: readonly unknown[] | undefined): KeyPart[] | undefined {
  if (dkMeta.length === 0 || params === undefined) return undefined;
  const key: KeyPart[] = new Array<KeyPart>(dkMeta.length);
  for (let i = 0; i < dkMeta.length; i++) {
    const [param, oid] = dkMeta[i]!;
    if (!Number.isInteger(param) || param < 1 || param > params.length) return undefined;
    const part = keyPartOf(params[param - 1], oid, param - 1);
    if (part === undefined) return undefined;
    key[i] = part;
  }
  return key;
}

function keyPartOf(value: unknown, oid: number, index: number): KeyPart | undefined {
  if (value === null || value === undefined) return null;
  let text: string | null;
  try {
    text = encodeParam(value, index);
  } catch {
    return undefined;
  }
  if (text === null) return null;
  try {
    switch (oid) {
      case DK_OID.integer: return integerPart(text);
      case DK_OID.decimal: return keyPart.decimal(text);
      case DK_OID.boolean: return text === 'true' ? true : text === 'false' ? false : undefined;
      case DK_OID.datetime: return datetimePart(text);
      case DK_OID.uuid: return keyPart.uuid(text);
      case DK_OID.text: return text;
      case DK_OID.double: return doublePart(text);
      default: return undefined;
    }
  } catch {
    // A wrapper refused the value (not a uuid, not a decimal): the server would refuse it too.
    return undefined;
  }
}

function integerPart(text: string): bigint | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  const n = BigInt(text);
  return n < I64_MIN || n > I64_MAX ? undefined : n;
}

function doublePart(text: string): KeyPart | undefined {
  if (!DOUBLE_TEXT.test(text)) return undefined;
  const n = /inf/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  return keyPart.double(n);
}

function datetimePart(text: string): KeyPart | undefined {
  const m = DATETIME_TEXT.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', z, sign, oh = '00', om = '00'] = m;
  // A Date holds milliseconds: finer digits that are not zero would hash another nanosecond count.
  if (/[1-9]/.test(frac.slice(3))) return undefined;
  const offset = z !== undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const localMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.slice(0, 3).padEnd(3, '0')));
  const local = new Date(localMs);
  // Date.UTC rolls over out-of-range fields (month 13, second 61) and reads years 0-99 as 19xx, where the
  // server refuses or reads them otherwise: no key then.
  if (local.getUTCFullYear() !== Number(y) || local.getUTCMonth() !== Number(mo) - 1 || local.getUTCDate() !== Number(d)
    || local.getUTCHours() !== Number(h) || local.getUTCMinutes() !== Number(mi) || local.getUTCSeconds() !== Number(s)) return undefined;
  return keyPart.datetime(new Date(localMs - offset * 60_000), offset);
}
