/**
 * A copy of at most 40 characters of `text`, for an error message. A copy, not a slice: V8 slices share the
 * original string, and an error could otherwise pin a whole oversized value from a hostile server.
 */
export function shorten(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}...(${text.length} characters)` : text;
  return Buffer.from(cut, 'utf8').toString('utf8');
}
