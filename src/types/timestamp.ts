/**
 * Parsing of PostgreSQL `timestamptz` / `timestamp` text into `Date`.
 *
 * Accepted shape: `[+-]YYYY[Y...]-MM-DD HH:MM:SS[.f...][Z|±HH[[:]MM[[:]SS]]][ BC]`, with `T` also accepted
 * between date and time. PostgreSQL writes BC years with a ` BC` suffix; Picodata (Rust `time` crate) writes
 * astronomical years with a sign instead (`-0001` is 2 BC). Both are handled.
 */

const MS_PER_DAY = 86_400_000;
/** The largest time value a `Date` can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/** Days from 1970-01-01 to a proleptic Gregorian date; integer-only, so valid for every year, BC included. */
function daysFromCivil(year: number, month: number, day: number): number {
  // Shift the year to start in March so that the leap day is the last day of the shifted year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Two decimal digits at `i`, or -1. The caller guarantees `i + 1 < text.length`. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  // `>>> 0` turns negatives into huge numbers, so one comparison rejects both sides of '0'..'9'.
  return a >>> 0 > 9 || b >>> 0 > 9 ? -1 : a * 10 + b;
}

function isDigitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/**
 * Parses timestamp text to a `Date`, taking a missing offset as UTC.
 *
 * - Fractional seconds beyond milliseconds are truncated (a `Date` holds milliseconds).
 * - `infinity` / `-infinity` become the numbers `Infinity` / `-Infinity`, as node-postgres does: `+value`
 *   then compares correctly against `+date` for every row.
 * - Text that is out of `Date`'s range (beyond ±275760 years) or not in the expected shape is returned as
 *   the string the server sent, never as an Invalid Date.
 *
 * @example
 * ```ts
 * parseTimestamp('2024-01-01 05:30:01.5+05:30'); // Date 2024-01-01T00:00:01.500Z
 * ```
 */
export function parseTimestamp(text: string): Date | number | string {
  const len = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  const negativeYear = c === 45; // '-'
  if (negativeYear || c === 43 /* '+' */) i = 1;

  const yearStart = i;
  let year = 0;
  while (i < len && (c = text.charCodeAt(i) - 48) >= 0 && c <= 9) {
    year = year * 10 + c;
    i++;
  }
  // Fixed layout after the year: "-MM-DD HH:MM:SS" is 15 characters.
  if (i - yearStart < 4 || i + 15 > len) return special(text);
  const month = twoDigits(text, i + 1);
  const day = twoDigits(text, i + 4);
  const hour = twoDigits(text, i + 7);
  const minute = twoDigits(text, i + 10);
  const second = twoDigits(text, i + 13);
  const sep = text.charCodeAt(i + 6);
  if (
    text.charCodeAt(i) !== 45 ||
    text.charCodeAt(i + 3) !== 45 ||
    (sep !== 32 && sep !== 84) || // ' ' or 'T'
    text.charCodeAt(i + 9) !== 58 ||
    text.charCodeAt(i + 12) !== 58 ||
    (month | day | hour | minute | second) < 0
  ) {
    return text;
  }
  i += 15;

  let millis = 0;
  if (i < len && text.charCodeAt(i) === 46 /* '.' */) {
    i++;
    let scale = 100;
    while (i < len && (c = text.charCodeAt(i) - 48) >= 0 && c <= 9) {
      millis += c * scale;
      scale = (scale / 10) | 0;
      i++;
    }
  }

  let offsetSeconds = 0;
  c = i < len ? text.charCodeAt(i) : 0;
  if (c === 90 /* 'Z' */) {
    i++;
  } else if (c === 43 || c === 45) {
    const sign = c === 45 ? -1 : 1;
    if (i + 3 > len) return text;
    const oh = twoDigits(text, i + 1);
    if (oh < 0) return text;
    i += 3;
    let om = 0;
    let os = 0;
    // Minutes and seconds are optional, each with or without a colon ("+05:30", "+0530", "-03:06:28").
    // Every read below is bounds-checked first: V8 deoptimizes a function that reads past a string's end.
    if (i < len && text.charCodeAt(i) === 58) i++;
    if (i + 2 <= len && isDigitAt(text, i)) {
      om = twoDigits(text, i);
      i += 2;
      if (i < len && text.charCodeAt(i) === 58) i++;
      if (i + 2 <= len && isDigitAt(text, i)) {
        os = twoDigits(text, i);
        i += 2;
      }
    }
    if (om < 0 || os < 0) return text;
    offsetSeconds = sign * (oh * 3600 + om * 60 + os);
  }

  if (negativeYear) year = -year;
  if (i !== len) {
    if (i + 3 !== len || text.charCodeAt(i) !== 32 || text.charCodeAt(i + 1) !== 66 || text.charCodeAt(i + 2) !== 67) {
      return text;
    }
    // "0044 BC" is astronomical year -43: there is no year 0 in the BC/AD notation.
    year = 1 - year;
  }

  const ms =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute) * 60 + second - offsetSeconds) * 1000 +
    millis;
  if (!(ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS)) return text;
  return new Date(ms);
}

function special(text: string): number | string {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  return text;
}
