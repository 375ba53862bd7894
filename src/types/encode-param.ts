import { TypeConversionError } from '../errors.js';
import { formatArrayLiteral } from './array-literal.js';

/**
 * JS values to text-format parameters. Parameters are sent with type OID 0, so the server infers each
 * type from the statement (Picodata defaults to text where there is no context: write `$1::int`).
 *
 * | JS value                    | sent as                                                      |
 * |-----------------------------|--------------------------------------------------------------|
 * | `null`, `undefined`         | SQL NULL                                                     |
 * | string                      | as is                                                        |
 * | number                      | `String(n)`: `NaN`, `Infinity`, `-Infinity`; `-0` stays `-0` |
 * | bigint                      | decimal digits                                               |
 * | boolean                     | `true` / `false`                                             |
 * | `Date`                      | `toISOString()`, UTC with `Z`                                |
 * | `Buffer` / `Uint8Array`     | bytea hex `\x0102` (see below)                               |
 * | array                       | array literal `{1,"a b",NULL}`; a nested array is a dimension |
 * | plain object                | `JSON.stringify`                                             |
 * | object with `toJSON()`      | its result if a string (Decimal.js, Luxon...), else JSON     |
 *
 * Anything else (functions, symbols, `Map`, `Set`, class instances without `toJSON`, typed arrays other
 * than `Uint8Array`, invalid Dates) throws {@link TypeConversionError} naming the parameter (`$1`...),
 * rather than sending something the caller did not mean (`JSON.stringify(new Map())` is `{}`).
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
 * @throws {TypeConversionError} naming the first parameter that cannot be encoded.
 * @example
 * ```ts
 * encodeParams([1, 'a', null, [1, 2], new Date(0)]);
 * // ['1', 'a', null, '{1,2}', '1970-01-01T00:00:00.000Z']
 * ```
 */
export function encodeParams(values: readonly unknown[]): (string | null)[] {
  const out: (string | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encodeParam(values[i], i);
  return out;
}

/**
 * Encodes one parameter; `index` is its 0-based position, used in error messages as `$index+1`.
 *
 * @throws {TypeConversionError} when the value has no text form (see the table at the top of this file).
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
      return value.toString();
    case 'undefined':
      return null;
    case 'object':
      return value === null ? null : encodeObject(value, place);
    default:
      throw cannotEncode(place, `a ${typeof value}`);
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
    return formatArrayLiteral(value, (element) => encodeValue(element, elementPlace));
  }
  if (value instanceof Uint8Array) return encodeBytes(value);
  if (ArrayBuffer.isView(value)) {
    const kind = value.constructor.name;
    throw cannotEncode(place, `a typed array (${kind}); convert it with Array.from() to send an array`);
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return stringifyJson(value, place);
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    return typeof json === 'string' ? json : stringifyJson(json, place);
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  throw cannotEncode(
    place,
    `an object of class ${typeof name === 'string' && name !== '' ? name : '(anonymous)'}; ` +
      'pass a plain object (sent as JSON) or convert it to a string first',
  );
}

function encodeDate(value: Date, place: Place): string {
  if (Number.isNaN(value.getTime())) throw cannotEncode(place, 'an invalid Date');
  return value.toISOString();
}

function encodeBytes(value: Uint8Array): string {
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return `\\x${buffer.toString('hex')}`;
}

function stringifyJson(value: unknown, place: Place): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    // BigInt values and cycles make JSON.stringify throw a TypeError.
    const why = error instanceof Error ? error.message : String(error);
    throw cannotEncode(place, `an object that JSON.stringify rejects (${why})`);
  }
  if (json === undefined) throw cannotEncode(place, 'a value that JSON.stringify turns into nothing');
  return json;
}

function cannotEncode(place: Place, what: string): TypeConversionError {
  const where = place.inArray ? `an element of parameter $${place.index + 1}` : `parameter $${place.index + 1}`;
  return new TypeConversionError(`${where}: cannot send ${what}`);
}
