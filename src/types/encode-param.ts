import { ParameterError } from '../errors.js';
import { MAX_ARRAY_DIMENSIONS, formatArrayLiteral } from './array-literal.js';

/**
 * JS values to text-format parameters. Parameters are sent with type OID 0, so the server infers each
 * type from the statement (Picodata defaults to text where there is no context: write `$1::int`).
 *
 * | JS value                    | sent as                                                      |
 * |-----------------------------|--------------------------------------------------------------|
 * | `null`, `undefined`         | SQL NULL                                                     |
 * | string                      | as is                                                        |
 * | number                      | `String(n)`: `NaN`, `Infinity`, `-Infinity`; `-0` stays `-0` |
 * | bigint (int8 range)         | decimal digits                                               |
 * | boolean                     | `true` / `false`                                             |
 * | `Date`                      | `toISOString()`, UTC with `Z`                                |
 * | `Buffer` / `Uint8Array`     | bytea hex `\x0102` (see below)                               |
 * | array (at most 6 dimensions) | array literal `{1,"a b",NULL}`; a nested array is a dimension |
 * | object with `toJSON()`      | its result, when that is a string (Decimal.js, Luxon...)     |
 *
 * Anything else (functions, symbols, plain objects, `Map`, `Set`, class instances without a string
 * `toJSON()`, typed arrays other than `Uint8Array`, invalid Dates, bigints beyond int8, arrays nested deeper
 * than PostgreSQL's 6 dimensions or cyclic) throws {@link ParameterError} naming the parameter (`$1`...),
 * rather than sending something the caller did not mean (`JSON.stringify(new Map())` is `{}`). Plain
 * objects are refused because Picodata has no json parameters: send `JSON.stringify(value)` as text.
 *
 * Bytes: Picodata has no bytea type and rejects a declared bytea parameter; sent with OID 0 as here, the
 * hex text reaches it as a plain string. Encode binary data yourself (e.g. base64) for Picodata.
 *
 * Dates carry milliseconds; years outside 0000-9999 use ISO's extended `+010000-...` form, which
 * PostgreSQL does not read.
 *
 * A JS array inside an array is always another dimension (`[[1, 2]]` is `{{1,2}}`): to send a json[] whose
 * elements are JSON arrays, pass the elements already stringified.
 */

/**
 * Where a value sits, for error messages: the 0-based parameter index, and whether the value is an element
 * of an array there. The message text is built only when an error is thrown.
 */
interface Place {
  readonly index: number;
  readonly inArray: boolean;
}

/**
 * Encodes every parameter of a statement.
 *
 * @throws {ParameterError} naming the first parameter that cannot be encoded.
 * @example
 * ```ts
 * encodeParams([1, 'a', null, [1, 2], new Date(0)]);
 * // ['1', 'a', null, '{1,2}', '1970-01-01T00:00:00.000Z']
 * ```
 */
export function encodeParams(values: readonly unknown[]): (string | null)[] {
  const out: (string | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    try {
      const value = values[i];
      // Strings and numbers, nearly every parameter, without building the error-message context.
      out[i] = typeof value === 'string' ? value : typeof value === 'number' ? encodeNumber(value) : encodeParam(value, i);
    } catch (error) {
      if (error instanceof ParameterError) throw error;
      // A getter, a Proxy or a toJSON() that throws: still this caller's parameter, still a typed error.
      throw new ParameterError(`parameter $${i + 1}: reading it threw ${error instanceof Error ? error.message : String(error)}`, { index: i, valueType: describeType(values[i]), cause: error });
    }
  }
  return out;
}

/**
 * Encodes one parameter; `index` is its 0-based position, used in error messages as `$index+1`.
 *
 * @throws {ParameterError} when the value has no text form (see the table at the top of this file).
 * @example
 * ```ts
 * encodeParam(10n, 0); // '10'
 * ```
 */
export function encodeParam(value: unknown, index: number): string | null {
  return encodeValue(value, { index, inArray: false });
}

function encodeValue(value: unknown, place: Place): string | null {
  // Primitives first: they are nearly all parameters, and `typeof` is the cheapest dispatch.
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return encodeNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      if (value < INT8_MIN || value > INT8_MAX) throw cannotEncode(place, value, 'a bigint beyond int8 (-2^63 .. 2^63-1); pass it as a string for a numeric column');
      return value.toString();
    case 'undefined':
      return null;
    case 'object':
      return value === null ? null : encodeObject(value, place);
    default:
      throw cannotEncode(place, value, `a ${typeof value}`);
  }
}

function encodeNumber(value: number): string {
  // String(-0) is "0"; keep the sign for float8 columns (integer input accepts "-0" as 0).
  return value === 0 && 1 / value < 0 ? '-0' : String(value);
}

function encodeObject(value: object, place: Place): string {
  if (value instanceof Date) return encodeDate(value, place);
  if (Array.isArray(value)) {
    const elementPlace: Place = { index: place.index, inArray: true };
    return formatArrayLiteral(value, (element) => encodeValue(element, elementPlace), () =>
      cannotEncode(place, value, `an array nested deeper than ${MAX_ARRAY_DIMENSIONS} dimensions (PostgreSQL's limit), or one that contains itself`));
  }
  if (value instanceof Uint8Array) return encodeBytes(value);
  if (ArrayBuffer.isView(value)) {
    const kind = value.constructor.name;
    throw cannotEncode(place, value, `a typed array (${kind}); convert it with Array.from() to send an array`);
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    throw cannotEncode(place, value, 'a plain object; Picodata takes no json parameters: pass JSON.stringify(value) to send it as text');
  }
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    if (typeof json === 'string') return json;
    throw cannotEncode(place, value, `an object whose toJSON() returns ${json === null ? 'null' : typeof json === 'object' ? 'an object' : `a ${typeof json}`}, not a string`);
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  throw cannotEncode(
    place,
    value,
    `an object of class ${typeof name === 'string' && name !== '' ? name : '(anonymous)'}; convert it to a string first`,
  );
}

function encodeDate(value: Date, place: Place): string {
  if (Number.isNaN(value.getTime())) throw cannotEncode(place, value, 'an invalid Date');
  return value.toISOString();
}

function encodeBytes(value: Uint8Array): string {
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return `\\x${buffer.toString('hex')}`;
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

function cannotEncode(place: Place, value: unknown, what: string): ParameterError {
  const where = place.inArray ? `an element of parameter $${place.index + 1}` : `parameter $${place.index + 1}`;
  return new ParameterError(`${where}: cannot send ${what}`, { index: place.index, valueType: describeType(value) });
}

/** A short name for a value's type, for errors: `symbol`, `Date`, `object (plain)`, `Map`... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  try {
    if (Array.isArray(value)) return 'array';
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return 'object (plain)';
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'object';
  } catch {
    // A Proxy whose traps throw: describing it must not fail in its turn.
    return 'object';
  }
}
