/**
 * The operation name of a statement for tracing (OpenTelemetry's `db.operation.name`): its first keyword,
 * upper-cased, after leading whitespace, comments and opening parentheses. A span name needs a word of low
 * cardinality, never the text: `'SELECT'`, `'INSERT'`, `'WITH'`.
 *
 * @example
 * ```ts
 * sqlOperation('  -- list\n(select 1)') // 'SELECT'
 * sqlOperation('$1')                     // undefined
 * ```
 */
export function sqlOperation(sql: unknown): string | undefined {
  if (typeof sql !== 'string') return undefined;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x2d /* - */ && sql.charCodeAt(i + 1) === 0x2d) {
      const end = sql.indexOf('\n', i + 2);
      i = end === -1 ? n : end + 1;
    } else if (c === 0x2f /* / */ && sql.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return undefined;
      i = end + 2;
    } else if (c === 0x28 /* ( */ || c <= 0x20) {
      i++;
    } else {
      break;
    }
  }
  let j = i;
  while (j < n && isLetter(sql.charCodeAt(j))) j++;
  // A word that runs on into digits or an underscore is an identifier, not a keyword.
  if (j === i || (j < n && isWordTail(sql.charCodeAt(j)))) return undefined;
  return sql.slice(i, j).toUpperCase();
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isWordTail(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24;
}
