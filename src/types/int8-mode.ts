import { ConfigError, TypeConversionError } from '../errors.js';
import { shorten } from './error-text.js';

/**
 * How int8 (bigint) columns become JS values. Picodata sends **every** integer as int8, so this choice
 * applies to all integer columns, not only to big ones.
 *
 * - `'number'` (default): a JS number. A value beyond ±`Number.MAX_SAFE_INTEGER` (2^53 - 1) throws
 *   {@link TypeConversionError} instead of being silently rounded.
 * - `'bigint'`: always a JS `bigint`, exact for the whole int8 range.
 * - `'string'`: the decimal text as the server sent it.
 *
 * @example
 * ```ts
 * const pool = createPool({ dsn, int8: 'bigint' });
 * ```
 */
export type Int8Mode = 'number' | 'bigint' | 'string';

/** The mode used when none is given. */
export const DEFAULT_INT8_MODE: Int8Mode = 'number';

const MODES: readonly string[] = ['number', 'bigint', 'string'];

/**
 * Validates an `int8` option taken from user input; `undefined` gives the default.
 *
 * @throws {ConfigError} when the value is not one of the three modes.
 * @example
 * ```ts
 * const int8 = toInt8Mode(options.int8);
 * ```
 */
export function toInt8Mode(value: unknown, option = 'int8'): Int8Mode {
  if (value === undefined) return DEFAULT_INT8_MODE;
  if (typeof value === 'string' && MODES.includes(value)) return value as Int8Mode;
  throw new ConfigError(option, `expected 'number', 'bigint' or 'string', got ${String(value)}`);
}

/**
 * Parses int8 text to a JS number, refusing values that a double cannot hold exactly.
 *
 * @throws {TypeConversionError} when the value is beyond ±`Number.MAX_SAFE_INTEGER`.
 * @example
 * ```ts
 * int8ToNumber('42'); // 42
 * ```
 */
export function int8ToNumber(text: string): number {
  // At most 15 characters means at most 15 digits, always below 2^53: the hot path skips the check.
  if (text.length < 16) return +text;
  const n = +text;
  // Doubles round monotonically and 2^53 is representable, so any integer beyond 2^53 - 1 parses to a
  // double that is not a safe integer: this one test is exact.
  if (Number.isSafeInteger(n)) return n;
  throw new TypeConversionError(
    `int8 value ${shorten(text)} is beyond ±Number.MAX_SAFE_INTEGER and would lose precision as a JS number; ` +
      `set the option int8: 'bigint' or int8: 'string' to read it exactly`,
  );
}

/**
 * Parses int8 text to a JS `bigint`.
 *
 * @example
 * ```ts
 * int8ToBigInt('9223372036854775807'); // 9223372036854775807n
 * ```
 */
export function int8ToBigInt(text: string): bigint {
  return BigInt(text);
}

/**
 * The parser for int8 text in the given mode, or `undefined` when the text is kept as it is.
 *
 * @example
 * ```ts
 * const parse = int8Parser('bigint');
 * ```
 */
export function int8Parser(mode: Int8Mode): ((text: string) => number | bigint) | undefined {
  switch (mode) {
    case 'number':
      return int8ToNumber;
    case 'bigint':
      return int8ToBigInt;
    case 'string':
      return undefined;
  }
}

