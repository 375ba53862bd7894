/**
 * Where each statement of a simple Query starts, for the gateway's "one statement per Query" rule:
 * Picodata's parser takes one statement and an optional trailing `;`, so `SELECT 1; SELECT 2` is a
 * parse error there while PostgreSQL would run both.
 *
 * This is a lexer, not a parser: it knows PostgreSQL's quoting (`'…'` with `''`, `E'…'` with backslash
 * escapes, `"…"`, `$tag$…$tag$`) and comments (`--`, nested `/* … *\/`), so a `;` inside them does not split.
 * Empty statements (only spaces, comments and `;`) are not counted.
 */

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/**
 * The offsets (in UTF-16 units of `sql`) where each non-empty statement begins.
 *
 * @example
 * statementStarts('SELECT 1; SELECT 2') // [0, 10]
 * statementStarts("SELECT ';' ;")        // [0]
 */
export function statementStarts(sql: string): number[] {
  const starts: number[] = [];
  let current: number | undefined; // where the statement being read began, once it has content
  let i = 0;
  const content = (at: number) => {
    if (current === undefined) current = at;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === ';') {
      if (current !== undefined) starts.push(current);
      current = undefined;
      i += 1;
    } else if (c === "'") {
      content(i);
      const escapes = (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !IDENTIFIER_CHAR.test(sql[i - 2] ?? ' ');
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      content(i);
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && !IDENTIFIER_CHAR.test(sql[i - 1] ?? ' ')) {
      content(i);
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql)?.[0];
      if (tag === undefined) {
        i += 1; // `$1`: a parameter
      } else {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
      }
    } else {
      if (!/\s/.test(c ?? '')) content(i);
      i += 1;
    }
  }
  if (current !== undefined) starts.push(current);
  return starts;
}

/** How many non-empty statements `sql` holds; see {@link statementStarts}. */
export function countStatements(sql: string): number {
  return statementStarts(sql).length;
}

/** Skips a quoted run that opens at `open`; returns the offset after its closing quote (or the end). */
function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2; // a doubled quote stands for itself
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** Skips a `/* … *\/` comment, which nests in PostgreSQL; returns the offset after it (or the end). */
function skipBlockComment(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length;
}
