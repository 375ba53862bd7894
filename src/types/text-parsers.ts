import { TypeConversionError } from '../errors.js';
import { shorten } from './error-text.js';
import { parseArrayLiteral } from './array-literal.js';
import { int8Parser, type Int8Mode } from './int8-mode.js';
import { OID } from './oids.js';
import { parseTimestamp } from './timestamp.js';

/** Turns the text form of one non-NULL column value into a JS value. */
export type TextParser = (text: string) => unknown;

/** Options that change how text values are parsed. */
export interface TextParserOptions {
  /** How int8 values become JS values; see {@link Int8Mode}. */
  readonly int8: Int8Mode;
}

/** int2, int4 and oid always fit a double exactly. */
function parseSmallInt(text: string): number {
  return +text;
}

/**
 * float4/float8. PostgreSQL writes `NaN`, `Infinity`, `-Infinity`, which `+text` already reads; the slow
 * path also accepts Rust's `inf`/`-inf` spellings in any case.
 */
function parseFloatText(text: string): number {
  const n = +text;
  if (n === n) return n;
  switch (text.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  throw new TypeConversionError(`float value ${JSON.stringify(shorten(text))} is not a number`);
}

/** PostgreSQL and Picodata both write booleans as `t`/`f`; `true` is accepted in case another proxy spells it out. */
function parseBool(text: string): boolean {
  return text === 't' || text === 'true';
}

/**
 * json/jsonb. Note: JSON numbers beyond 2^53 lose precision here whatever the `int8` mode, since
 * `JSON.parse` has no hook for the source text on Node 20.
 */
function parseJson(text: string): unknown {
  return JSON.parse(text);
}

function scalarParser(oid: number, int8: Int8Mode): TextParser | undefined {
  switch (oid) {
    case OID.INT8:
      return int8Parser(int8);
    case OID.INT2:
    case OID.INT4:
    case OID.OID:
      return parseSmallInt;
    case OID.FLOAT8:
    case OID.FLOAT4:
      return parseFloatText;
    case OID.BOOL:
      return parseBool;
    case OID.TIMESTAMPTZ:
    case OID.TIMESTAMP:
      return parseTimestamp;
    case OID.JSON:
    case OID.JSONB:
      return parseJson;
    // numeric stays a string: a double would silently round it. date stays a string: as a Date it would
    // be midnight UTC, which displays as the previous day west of Greenwich.
    default:
      return undefined;
  }
}

/** Array OID -> element OID. */
const ELEMENT_OID: ReadonlyMap<number, number> = new Map([
  [OID.BOOL_ARRAY, OID.BOOL],
  [OID.NAME_ARRAY, OID.NAME],
  [OID.INT2_ARRAY, OID.INT2],
  [OID.INT4_ARRAY, OID.INT4],
  [OID.INT8_ARRAY, OID.INT8],
  [OID.OID_ARRAY, OID.OID],
  [OID.TEXT_ARRAY, OID.TEXT],
  [OID.BPCHAR_ARRAY, OID.BPCHAR],
  [OID.VARCHAR_ARRAY, OID.VARCHAR],
  [OID.FLOAT4_ARRAY, OID.FLOAT4],
  [OID.FLOAT8_ARRAY, OID.FLOAT8],
  [OID.NUMERIC_ARRAY, OID.NUMERIC],
  [OID.UUID_ARRAY, OID.UUID],
  [OID.DATE_ARRAY, OID.DATE],
  [OID.TIMESTAMP_ARRAY, OID.TIMESTAMP],
  [OID.TIMESTAMPTZ_ARRAY, OID.TIMESTAMPTZ],
  [OID.JSON_ARRAY, OID.JSON],
  [OID.JSONB_ARRAY, OID.JSONB],
]);

/**
 * The parser for a column of type `oid` in text format, or `undefined` when the text is kept as it is
 * (text, varchar, uuid, numeric, date, unknown OIDs, and int8 in `'string'` mode).
 *
 * Results: int2/int4/oid/float → number (NaN and ±Infinity included); int8 → per `opts.int8`;
 * bool → boolean; timestamptz/timestamp → `Date` (no offset means UTC, see {@link parseTimestamp});
 * json/jsonb → `JSON.parse` result; arrays of these → nested JS arrays with `null` for NULL elements.
 *
 * Resolve parsers once per result description, not once per value.
 *
 * @example
 * ```ts
 * const parse = getTextParser(OID.INT8, { int8: 'number' });
 * parse?.('42'); // 42
 * ```
 */
export function getTextParser(oid: number, opts: TextParserOptions): TextParser | undefined {
  const elementOid = ELEMENT_OID.get(oid);
  if (elementOid === undefined) return scalarParser(oid, opts.int8);
  const parseElement = scalarParser(elementOid, opts.int8);
  return (text) => parseArrayLiteral(text, parseElement);
}
