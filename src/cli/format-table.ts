/**
 * Lays rows out as an aligned text table with a header line. Every header and cell goes through
 * {@link escapeControl}, so a value with a newline or a tab never breaks a row or the alignment.
 *
 * @example
 * formatTable(['a', 'a'], [['1', 'x\ny']]) // 'a  a\n-  ----\n1  x\\ny'
 */
export function formatTable(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const head = columns.map(escapeControl);
  const body = rows.map((r) => head.map((_, i) => escapeControl(r[i] ?? '')));
  const widths = head.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: ReadonlyArray<string>): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** A value as a table cell: null as `NULL`, objects as JSON, bigint and Date in their usual text. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

// C0 and C1 controls, DEL, and the two Unicode line separators: each would move the cursor or end a line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text with its control characters written as escapes (`\n`, `\r`, `\t`, `\x1b`, `\u2028`), so it stays on
 * one line and cannot move the terminal's cursor. Backslashes are left as they are: the table is for
 * reading, `--json` gives exact values.
 *
 * @example escapeControl('a\tb\nc') // 'a\\tb\\nc'
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** JSON that keeps bigints exact (as strings), indented for reading. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** The same on one line: one document per line, as `--watch --json` prints them. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
