/**
 * A sharding-key value as the gateway sees it (a bound parameter's bytes, or a literal's text) turned into
 * picots' own {@link KeyPart}, typed by the column's PostgreSQL type, so the gateway computes the bucket
 * with the same `bucketId` a client uses.
 *
 * Column types and how their values are hashed: smallint/integer/bigint as integers, numeric as a
 * decimal (from the exact text, so the scale counts), text/varchar/char as text, boolean, uuid, real and
 * double precision as doubles, timestamptz as a datetime (its text's UTC offset kept, as Picodata keeps
 * it; millisecond precision). Other types, and binary-format numeric or timestamptz parameters, give no
 * key part.
 */
import { keyPart, type KeyPart } from '../../routing/key-part.js';

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);
const TEXT_TYPES = new Set(['text', 'character varying', 'character', 'name']);
const DOUBLE_TYPES = new Set(['double precision', 'real']);
const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', 'on', '1']);
const FALSE_TEXT = new Set(['f', 'false', 'n', 'no', 'off', '0']);

/** Whether values of a column of this type can be hashed here. */
export function isKeyType(type: string): boolean {
  return INTEGER_TYPES.has(type) || TEXT_TYPES.has(type) || DOUBLE_TYPES.has(type)
    || ['numeric', 'boolean', 'uuid', 'timestamp with time zone'].includes(type);
}

/** The key part for a value in text form (`null`: SQL NULL); undefined when it cannot be read. */
export function keyPartFromText(type: string, text: string | null): KeyPart | undefined {
  if (text === null) return null;
  const trimmed = text.trim();
  if (INTEGER_TYPES.has(type)) return /^[+-]?\d+$/.test(trimmed) ? BigInt(trimmed) : undefined;
  if (TEXT_TYPES.has(type)) return text;
  if (type === 'numeric') return keyPart.decimal(trimmed);
  if (type === 'boolean') {
    const lower = trimmed.toLowerCase();
    return TRUE_TEXT.has(lower) ? true : FALSE_TEXT.has(lower) ? false : undefined;
  }
  if (type === 'uuid') return keyPart.uuid(trimmed.replace(/[{}]/g, ''));
  if (DOUBLE_TYPES.has(type)) {
    const value = Number(trimmed);
    return Number.isNaN(value) ? undefined : keyPart.double(value);
  }
  if (type === 'timestamp with time zone') return datetime(trimmed);
  return undefined;
}

/** The key part for a bound parameter: `format` 0 text, 1 binary. */
export function keyPartFromParameter(type: string, bytes: Buffer | null, format: number): KeyPart | undefined {
  if (bytes === null) return null;
  if (format === 0) return keyPartFromText(type, bytes.toString('utf8'));
  if (type === 'smallint' && bytes.length === 2) return BigInt(bytes.readInt16BE(0));
  if (type === 'integer' && bytes.length === 4) return BigInt(bytes.readInt32BE(0));
  if (type === 'bigint' && bytes.length === 8) return bytes.readBigInt64BE(0);
  if (TEXT_TYPES.has(type)) return bytes.toString('utf8');
  if (type === 'boolean' && bytes.length === 1) return bytes[0] !== 0;
  if (type === 'double precision' && bytes.length === 8) return keyPart.double(bytes.readDoubleBE(0));
  if (type === 'real' && bytes.length === 4) return keyPart.double(bytes.readFloatBE(0));
  if (type === 'uuid' && bytes.length === 16) {
    const hex = bytes.toString('hex');
    return keyPart.uuid(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
  return undefined;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** PostgreSQL's timestamptz text (no offset: UTC, the stand-in's time zone). */
function datetime(text: string): KeyPart | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const zone = match[3];
  let offset = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * (zone.startsWith('-') ? -1 : 1);
  }
  const time = (match[2] ?? '').length === 5 ? `${match[2]}:00` : match[2];
  const date = new Date(`${match[1]}T${time}Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  const instant = new Date(date.getTime() - offset * 60_000);
  return offset === 0 ? instant : keyPart.datetime(instant, offset);
}
