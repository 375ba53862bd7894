import { TypeConversionError } from '../errors.js';
import { shorten } from './error-text.js';

/**
 * The PostgreSQL array literal text format, both ways: `{1,2,NULL}`, `{"a \"q\"","b\\c"}`,
 * `{{1,2},{3,4}}`, `{}`. Only the `,` delimiter is handled (every type except `box` uses it).
 */

/** A parsed array: elements are parsed values, `null`, or nested arrays for multi-dimensional ones. */
export type PgArray = unknown[];

const OPEN = 123; // {
const CLOSE = 125; // }
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;

function malformed(text: string, why: string): TypeConversionError {
  const shown = shorten(text);
  return new TypeConversionError(`malformed array literal (${why}): ${shown}`);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parses a PostgreSQL array literal, applying `parseElement` to every non-NULL element.
 *
 * An unquoted `NULL` (any case) is SQL NULL; a quoted `"NULL"` is the string. A dimension decoration
 * (`[0:1]={1,2}`, sent when the lower bound is not 1) is skipped: JS arrays start at 0 anyway.
 *
 * @throws {TypeConversionError} when the text is not an array literal.
 * @example
 * ```ts
 * parseArrayLiteral('{1,NULL,3}', Number); // [1, null, 3]
 * parseArrayLiteral('{"a,b","NULL",NULL}'); // ['a,b', 'NULL', null]
 * ```
 */
export function parseArrayLiteral(text: string, parseElement?: (text: string) => unknown): PgArray {
  const len = text.length;
  let i = 0;
  if (text.charCodeAt(0) === 91 /* '[' */) {
    i = text.indexOf('=') + 1;
    if (i === 0) throw malformed(text, 'dimensions without "="');
  }
  if (text.charCodeAt(i) !== OPEN) throw malformed(text, 'no opening "{"');
  i++;

  const root: PgArray = [];
  // Parents of `current`, for nested arrays; empty at the top level.
  const parents: PgArray[] = [];
  let current = root;

  while (i < len) {
    let c = text.charCodeAt(i);
    if (c === COMMA || isSpace(c)) {
      i++;
    } else if (c === CLOSE) {
      i++;
      const parent = parents.pop();
      if (parent === undefined) {
        while (i < len && isSpace(text.charCodeAt(i))) i++;
        if (i !== len) throw malformed(text, 'text after the closing "}"');
        return root;
      }
      current = parent;
    } else if (c === OPEN) {
      const child: PgArray = [];
      current.push(child);
      parents.push(current);
      current = child;
      i++;
    } else if (c === QUOTE) {
      i++;
      let start = i;
      let value = '';
      for (;;) {
        if (i >= len) throw malformed(text, 'unterminated quoted element');
        c = text.charCodeAt(i);
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          // Copy the run before the escape, then the escaped character itself.
          value += text.slice(start, i) + text.charAt(i + 1);
          i += 2;
          start = i;
        } else {
          i++;
        }
      }
      value += text.slice(start, i);
      i++;
      current.push(parseElement === undefined ? value : parseElement(value));
    } else {
      const start = i;
      let escaped = false;
      while (i < len && (c = text.charCodeAt(i)) !== COMMA && c !== CLOSE) {
        if (c === BACKSLASH) {
          escaped = true;
          i++;
        }
        i++;
      }
      let end = i;
      // PostgreSQL ignores whitespace around unquoted elements; its own output never has any.
      while (isSpace(text.charCodeAt(end - 1))) end--;
      let value = text.slice(start, end);
      if (escaped) value = value.replace(/\\(.)/gs, '$1');
      if (value.length === 4 && !escaped && value.toUpperCase() === 'NULL') current.push(null);
      else current.push(parseElement === undefined ? value : parseElement(value));
    }
  }
  throw malformed(text, 'no closing "}"');
}

// Characters that make PostgreSQL's array input read an element differently unless it is quoted.
const NEEDS_QUOTES = /[\s"\\{},]/;
const ESCAPED_CHARS = /["\\]/g;

/**
 * Writes one element of an array literal: quoted only when it must be (empty, `NULL` in any case, or
 * containing whitespace, `"`, `\`, `{`, `}` or `,`), escaping `"` and `\`.
 *
 * @example
 * ```ts
 * quoteArrayElement('a b'); // '"a b"'
 * ```
 */
export function quoteArrayElement(text: string): string {
  if (text.length !== 0 && !NEEDS_QUOTES.test(text) && !(text.length === 4 && text.toUpperCase() === 'NULL')) {
    return text;
  }
  return `"${text.replace(ESCAPED_CHARS, '\\$&')}"`;
}

/** PostgreSQL's MAXDIM: an array literal with more dimensions is refused by the server. */
export const MAX_ARRAY_DIMENSIONS = 6;

/**
 * Writes a JS array as a PostgreSQL array literal. Nested arrays become nested `{...}`; an element for which
 * `encodeElement` returns `null` is written as `NULL`. An array nested deeper than
 * {@link MAX_ARRAY_DIMENSIONS} (a cyclic one is infinitely deep) throws `tooDeep()`, or a RangeError, instead
 * of overflowing the stack.
 *
 * @example
 * ```ts
 * formatArrayLiteral([[1, 2], [3, null]], (v) => (v == null ? null : String(v))); // '{{1,2},{3,NULL}}'
 * ```
 */
export function formatArrayLiteral(
  values: readonly unknown[],
  encodeElement: (value: unknown) => string | null,
  tooDeep: () => Error = () => new RangeError(`an array nested deeper than ${MAX_ARRAY_DIMENSIONS} dimensions`),
): string {
  return formatLevel(values, encodeElement, tooDeep, 1);
}

function formatLevel(
  values: readonly unknown[],
  encodeElement: (value: unknown) => string | null,
  tooDeep: () => Error,
  depth: number,
): string {
  if (depth > MAX_ARRAY_DIMENSIONS) throw tooDeep();
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (Array.isArray(value)) {
      out += formatLevel(value, encodeElement, tooDeep, depth + 1);
    } else {
      const text = encodeElement(value);
      out += text === null ? 'NULL' : quoteArrayElement(text);
    }
  }
  return out + '}';
}
