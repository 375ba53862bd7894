import { ConfigError, ProtocolError, TypeConversionError } from '../errors.js';
import { compileObjectRow, type ObjectColumn, type ObjectRowBuilder } from './compiled-row.js';
import { DEFAULT_INT8_MODE, type Int8Mode } from './int8-mode.js';
import { getTextParser, type TextParser } from './text-parsers.js';

/**
 * The shape of result rows.
 *
 * - `'object'` (default): `{ column: value }`. When two columns share a name, the **later** column's value
 *   wins, at the key position of the first (`SELECT 1 AS a, 2 AS b, 3 AS a` gives `{ a: 3, b: 2 }`).
 * - `'array'`: values in column order; nothing is lost when names repeat.
 *
 * @example
 * ```ts
 * const rows = await pool.fetch('SELECT 1 AS a, 2 AS a', [], { rowMode: 'array' }); // [[1, 2]]
 * ```
 */
export type RowMode = 'object' | 'array';

/**
 * Validates a `rowMode` option taken from user input; `undefined` gives `'object'`.
 *
 * @throws {ConfigError} when the value is neither `'object'` nor `'array'`.
 * @example
 * ```ts
 * const rowMode = toRowMode(options.rowMode);
 * ```
 */
export function toRowMode(value: unknown, option = 'rowMode'): RowMode {
  if (value === undefined || value === 'object') return 'object';
  if (value === 'array') return 'array';
  throw new ConfigError(option, `expected 'object' or 'array', got ${String(value)}`);
}

/** A row in `'object'` mode. */
export type ObjectRow = Record<string, unknown>;

/** A row in `'array'` mode. */
export type ArrayRow = unknown[];

/** The part of a RowDescription field that decoding needs. */
export interface FieldDescription {
  readonly name: string;
  /** The column's type OID. */
  readonly dataTypeID: number;
}

/** Options of {@link createRowDecoder}. */
export interface RowDecoderOptions {
  /** How int8 columns become JS values; default `'number'`. */
  readonly int8?: Int8Mode;
  /** Row shape; default `'object'`. */
  readonly rowMode?: RowMode;
}

/**
 * Turns the text values of one DataRow (`null` for SQL NULL) into a row. In `'array'` mode the row is
 * `values` itself, converted in place: pass an array that nothing else uses.
 */
export type RowDecoder<R> = (values: (string | null)[]) => R;

/**
 * Rows an object decoder decodes with its loop before it compiles a literal-based builder (see
 * {@link compileObjectRow}): compiling costs about as much as 400 rows save, so small results never pay it.
 */
const COMPILE_AFTER_ROWS = 500;

/**
 * Builds, once per result description, the function that turns DataRow values into rows. Parsers are
 * resolved here, so the per-row work is one tight loop; keep the decoder with the prepared statement.
 * NULL stays `null`; see {@link getTextParser} for what each type becomes.
 *
 * @throws from the decoder: {@link TypeConversionError} naming the column when a value cannot be converted
 *   (e.g. an int8 beyond 2^53 in `'number'` mode), {@link ProtocolError} when a row has the wrong width.
 * @example
 * ```ts
 * const decode = createRowDecoder(description.fields, { int8: 'bigint' });
 * const row = decode(dataRow.fields); // { id: 1n, name: 'a' }
 * ```
 */
export function createRowDecoder(
  fields: readonly FieldDescription[],
  opts: RowDecoderOptions & { readonly rowMode: 'array' },
): RowDecoder<ArrayRow>;
export function createRowDecoder(
  fields: readonly FieldDescription[],
  opts?: RowDecoderOptions & { readonly rowMode?: 'object' },
): RowDecoder<ObjectRow>;
export function createRowDecoder(
  fields: readonly FieldDescription[],
  opts?: RowDecoderOptions,
): RowDecoder<ObjectRow | ArrayRow>;
export function createRowDecoder(
  fields: readonly FieldDescription[],
  opts: RowDecoderOptions = {},
): RowDecoder<ObjectRow | ArrayRow> {
  const parserOpts = { int8: opts.int8 ?? DEFAULT_INT8_MODE };
  const parsers = fields.map((field) => getTextParser(field.dataTypeID, parserOpts));
  const names = fields.map((field) => field.name);
  if (opts.rowMode === 'array') return arrayDecoder(names, parsers);
  return objectDecoder(objectColumns(names, parsers), names.length);
}

/**
 * Array rows are the values array itself, each value replaced by its parsed form: the array came fresh
 * from one DataRow and nothing else holds it, so a second array per row would only be garbage.
 */
function arrayDecoder(names: readonly string[], parsers: readonly (TextParser | undefined)[]): RowDecoder<ArrayRow> {
  const width = names.length;
  return (values) => {
    if (values.length !== width) throw widthMismatch(values.length, width);
    const row = values as unknown[];
    let i = 0;
    try {
      for (; i < width; i++) {
        const value = values[i];
        const parse = parsers[i];
        if (value !== null && parse !== undefined) row[i] = parse(value!);
      }
    } catch (error) {
      throw columnError(error, names[i]!);
    }
    return row;
  };
}

/**
 * One column per distinct name, in order of first appearance, reading the value of the last column with
 * that name. Earlier duplicates are never parsed, so they cannot fail a row they do not appear in.
 */
function objectColumns(names: readonly string[], parsers: readonly (TextParser | undefined)[]): ObjectColumn[] {
  const byName = new Map<string, { name: string; index: number; parse: TextParser | undefined }>();
  names.forEach((name, index) => {
    const column = byName.get(name);
    if (column === undefined) byName.set(name, { name, index, parse: parsers[index] });
    else {
      column.index = index;
      column.parse = parsers[index];
    }
  });
  return [...byName.values()];
}

function objectDecoder(columns: readonly ObjectColumn[], width: number): RowDecoder<ObjectRow> {
  const loop = objectLoop(columns);
  let build: ObjectRowBuilder = loop;
  let rowsUntilCompile = COMPILE_AFTER_ROWS;
  return (values) => {
    if (values.length !== width) throw widthMismatch(values.length, width);
    if (rowsUntilCompile > 0 && --rowsUntilCompile === 0) {
      const compiled = compileObjectRow(columns);
      if (compiled !== undefined) build = withColumnErrors(compiled, loop);
    }
    return build(values);
  };
}

function objectLoop(columns: readonly ObjectColumn[]): ObjectRowBuilder {
  const count = columns.length;
  const names = columns.map((c) => c.name);
  const indexes = columns.map((c) => c.index);
  const parsers = columns.map((c) => c.parse);
  // Assigning `row.__proto__` would set the prototype; such rare rows take a path that defines the property.
  const set = names.includes('__proto__') ? defineValue : undefined;
  return (values) => {
    const row: ObjectRow = {};
    let i = 0;
    try {
      for (; i < count; i++) {
        const value = values[indexes[i]!];
        const parse = parsers[i];
        const parsed = value === null || parse === undefined ? value : parse(value!);
        if (set === undefined) row[names[i]!] = parsed;
        else set(row, names[i]!, parsed);
      }
    } catch (error) {
      throw columnError(error, names[i]!);
    }
    return row;
  };
}

function defineValue(row: ObjectRow, name: string, value: unknown): void {
  Object.defineProperty(row, name, { value, writable: true, enumerable: true, configurable: true });
}

/** The compiled builder cannot tell which column failed: re-decode the failing row with the loop, which can. */
function withColumnErrors(compiled: ObjectRowBuilder, loop: ObjectRowBuilder): ObjectRowBuilder {
  return (values) => {
    try {
      return compiled(values);
    } catch {
      return loop(values);
    }
  };
}

function columnError(error: unknown, name: string): unknown {
  if (error instanceof TypeConversionError) return new TypeConversionError(`column "${name}": ${error.message}`);
  // JSON.parse's SyntaxError on malformed json from the server, for example.
  if (error instanceof Error) return new TypeConversionError(`column "${name}": ${error.message}`);
  return error;
}

function widthMismatch(got: number, expected: number): ProtocolError {
  return new ProtocolError(`DataRow has ${got} values but RowDescription has ${expected} fields`);
}
