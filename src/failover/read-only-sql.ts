/**
 * A conservative guess of whether a statement only reads, used to decide whether a statement that may have
 * reached the server can be run again elsewhere. It is a heuristic over the text, not a parser: it answers
 * `true` only for a single `SELECT`, `VALUES` or `WITH ... SELECT` statement in which no word that writes or
 * locks appears outside string literals, quoted identifiers and comments. Anything it is unsure of is
 * "not read-only", which only costs a retry, never a duplicate write. It cannot see side effects hidden in
 * functions: callers who know better declare it per query (`{ readOnly: true }` / `{ idempotent: true }`).
 *
 * @example
 * ```ts
 * isReadOnlySql('SELECT * FROM t WHERE a = $1')            // true
 * isReadOnlySql("SELECT 'delete me' FROM t")              // true: inside a literal
 * isReadOnlySql('WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x') // false
 * isReadOnlySql('INSERT INTO t VALUES (1)')               // false
 * ```
 */

/** What a read may start with. */
const READ_STARTS = new Set(['select', 'values', 'with']);

/**
 * Words that make a statement more than a read: DML and DDL (a data-modifying CTE, `SELECT ... INTO`),
 * procedure calls, and PostgreSQL functions with side effects. Locking clauses (`FOR UPDATE`) are caught by
 * `update`; `FOR SHARE` is left alone, as a lock taken by an autocommitted read ends with it.
 */
const WRITE_WORDS = new Set([
  'insert', 'update', 'delete', 'merge', 'into', 'create', 'drop', 'alter', 'truncate', 'grant', 'revoke',
  'call', 'copy', 'do', 'lock', 'nextval', 'setval', 'set_config',
]);

/**
 * `true` when `sql` is, by the rules above, a single read-only statement.
 *
 * @example isReadOnlySql('  -- list\n (SELECT 1)') // true
 */
export function isReadOnlySql(sql: string): boolean {
  const words = wordsOutsideLiterals(sql);
  if (words === undefined || words.length === 0) return false;
  if (!READ_STARTS.has(words[0]!)) return false;
  return !words.some((w) => WRITE_WORDS.has(w));
}

/**
 * The lower-cased words of `sql` outside literals, quoted identifiers and comments; `undefined` when the
 * text cannot be read with confidence (an unterminated literal or comment, or a second statement after `;`).
 */
function wordsOutsideLiterals(sql: string): string[] | undefined {
  const words: string[] = [];
  let afterSemicolon = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i + 2);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = skipBlockComment(sql, i);
      if (end === undefined) return undefined;
      i = end;
    } else if (/\s/.test(c!)) {
      i++;
    } else if (afterSemicolon && c !== ';') {
      return undefined; // a second statement: Picodata refuses it anyway, and it is no longer one read
    } else if (c === ';') {
      afterSemicolon = true;
      i++;
    } else if (c === "'") {
      // E'...' strings take backslash escapes; the E was read as a word just before.
      const escapes = words.length > 0 && /[eE]/.test(sql[i - 1] ?? '') && words[words.length - 1] === 'e';
      if (escapes) words.pop();
      const end = skipQuoted(sql, i, "'", escapes);
      if (end === undefined) return undefined;
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      if (end === undefined) return undefined;
      i = end;
    } else if (c === '$' && /[A-Za-z_$]/.test(sql[i + 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (tag === null) {
        i++;
        continue;
      }
      const end = sql.indexOf(tag[0], i + tag[0].length);
      if (end === -1) return undefined;
      i = end + tag[0].length;
    } else if (/[A-Za-z_]/.test(c!)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      words.push(sql.slice(i, j).toLowerCase());
      i = j;
    } else {
      i++; // punctuation, numbers, parameters ($1): parentheses before SELECT are fine
    }
  }
  return words;
}

/** End of a `/* ... *\/` comment starting at `start` (PostgreSQL nests them), or `undefined` when unterminated. */
function skipBlockComment(sql: string, start: number): number | undefined {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return undefined;
}

/** End of a quoted run starting at `start` (doubled quotes, and backslash escapes when asked), or `undefined`. */
function skipQuoted(sql: string, start: number, quote: string, backslash: boolean): number | undefined {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return undefined;
}
