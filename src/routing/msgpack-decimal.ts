/**
 * Decimals as Picodata hashes them: Tarantool's MP_EXT type 1 with its header. The payload is the scale
 * (MessagePack integer: unsigned when >= 0) followed by packed BCD: the coefficient's digits without leading
 * zeros but WITH trailing zeros, a leading 0 nibble when their count is even, and a sign nibble (C or D).
 * The scale is significant: `1`, `1.0` and `1.00` hash differently, exactly as the server parses the text.
 */

/** Tarantool's decimal precision. */
export const MAX_DECIMAL_DIGITS = 38;
/**
 * Largest and smallest exponents (decNumber's Emax and Etiny for 38 digits) a decimal can have without the
 * server rounding or rejecting it. (Tarantool's context: Emax 37, Emin -37.)
 */
const MAX_ADJUSTED_EXPONENT = MAX_DECIMAL_DIGITS - 1;
const MIN_EXPONENT = -(MAX_DECIMAL_DIGITS - 1) - (MAX_DECIMAL_DIGITS - 1);

const DECIMAL_TEXT = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d{1,6}))?$/;

/** The hashed bytes of the decimal written as `text`, or a string saying why it cannot be hashed. */
export function encodeDecimal(text: string): Uint8Array | string {
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) return 'is not a decimal number (digits with an optional sign, point and exponent, e.g. "-12.50" or "1E+3")';
  const negative = match[1] === '-';
  const fraction = match[3] ?? match[4] ?? '';
  const exponent = Number(match[5] ?? '0') - fraction.length;
  const allDigits = (match[2] ?? '') + fraction;
  let first = 0;
  while (first < allDigits.length - 1 && allDigits.charCodeAt(first) === 0x30) first += 1;
  const digits = allDigits.slice(first);
  if (digits.length > MAX_DECIMAL_DIGITS) {
    return `has ${digits.length} significant digits; Picodata keeps at most ${MAX_DECIMAL_DIGITS} and would round it: pass the rounded text`;
  }
  if (exponent + digits.length - 1 > MAX_ADJUSTED_EXPONENT) return `is too large for a Picodata decimal (at most 38 digits before the point)`;
  if (exponent < MIN_EXPONENT) return `has too many digits after the point for a Picodata decimal (at most ${-MIN_EXPONENT})`;
  return packDecimal(digits, -exponent, negative);
}

function packDecimal(digits: string, scale: number, negative: boolean): Uint8Array {
  // Nibbles: [0 if even count] digits... sign. Their count is always even.
  const padded = digits.length % 2 === 0 ? `0${digits}` : digits;
  const bcdLength = (padded.length + 1) / 2;
  // The bounds above keep the scale within -37 .. 74: a fixint or one int8.
  const scaleBytes = scale >= 0 ? [scale] : scale >= -32 ? [scale & 0xff] : [0xd0, scale & 0xff];
  const payloadLength = scaleBytes.length + bcdLength;
  const header = extHeader(payloadLength);
  const out = new Uint8Array(header.length + 1 + payloadLength);
  out.set(header, 0);
  out[header.length] = 0x01;
  let pos = header.length + 1;
  for (const b of scaleBytes) out[pos++] = b;
  for (let i = 0; i < padded.length; i += 2) {
    const high = padded.charCodeAt(i) - 0x30;
    const low = i + 1 < padded.length ? padded.charCodeAt(i + 1) - 0x30 : negative ? 0x0d : 0x0c;
    out[pos++] = (high << 4) | low;
  }
  return out;
}

function extHeader(payloadLength: number): number[] {
  switch (payloadLength) {
    case 1:
      return [0xd4];
    case 2:
      return [0xd5];
    case 4:
      return [0xd6];
    case 8:
      return [0xd7];
    case 16:
      return [0xd8];
    default:
      return [0xc7, payloadLength];
  }
}
