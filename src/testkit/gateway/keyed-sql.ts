/**
 * Where a statement's sharding-key values are, read from its SQL text, so the gateway can tell which
 * replicaset owns the rows it touches. A small tokenizer and pattern match, not a parser; it recognises:
 * - a single-row `INSERT INTO t [(c1, c2, ...)] VALUES (v1, v2, ...)` (anything may follow the row except
 *   another row);
 * - `SELECT ... FROM t [alias] WHERE ...`, `UPDATE t [alias] SET ... WHERE ...`, `DELETE FROM t [alias]
 *   WHERE ...` over one table, whose WHERE is a top-level chain of `AND`s; the conjuncts of the form
 *   `column = value` (or `value = column`) give values; others are ignored.
 * A value is `$n`, a literal (number, `'text'`, `TRUE`, `FALSE`, `NULL`), either optionally followed by a
 * `::type` cast. Everything else (joins, subqueries, CTEs, `OR`, `IN`, expressions, multi-row VALUES,
 * `INSERT ... SELECT`) gives no key: such statements are not recorded.
 */

/** Where one key column's value comes from. */
export type ValueSource =
  | { readonly kind: 'param'; readonly index: number }
  | { readonly kind: 'literal'; readonly text: string | null }
  /** An expression: no key can be read from it. */
  | { readonly kind: 'other' };

/** What {@link keyedSql} found: the table and the values it names. */
export interface KeyedSql {
  /** The table name as Picodata and PostgreSQL store it (unquoted names lower-cased). */
  readonly table: string;
  /** Values by column name. */
  readonly named?: ReadonlyMap<string, ValueSource>;
  /** Values in table-column order: an INSERT without a column list. */
  readonly positional?: readonly ValueSource[];
}

type Token =
  | { readonly t: 'word'; readonly v: string; readonly quoted: boolean }
  | { readonly t: 'num'; readonly v: string }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'param'; readonly v: number }
  | { readonly t: 'op'; readonly v: string };

const STOP_WORDS = new Set(['order', 'limit', 'group', 'returning', 'offset', 'for', 'having', 'window', 'option', 'union', 'except', 'intersect']);

/** The key-bearing shape of `sql`, or `undefined` when it has none the gateway recognises. */
export function keyedSql(sql: string): KeyedSql | undefined {
  const tokens = tokenize(sql);
  if (!tokens) return undefined;
  while (tokens.at(-1)?.t === 'op' && tokens.at(-1)?.v === ';') tokens.pop();
  const first = keyword(tokens[0]);
  if (first === 'insert') return insert(tokens);
  if (first === 'select') return filtered(tokens, 'select');
  if (first === 'update') return filtered(tokens, 'update');
  if (first === 'delete') return filtered(tokens, 'delete');
  return undefined;
}

/** True for a statement that may change tables or keys (CREATE, ALTER, DROP). */
export function isDdl(sql: string): boolean {
  return /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(CREATE|ALTER|DROP)\b/i.test(sql);
}

function insert(tokens: Token[]): KeyedSql | undefined {
  let i = 1;
  if (keyword(tokens[i]) !== 'into') return undefined;
  const name = tableName(tokens, i + 1);
  if (!name) return undefined;
  i = name.next;
  if (keyword(tokens[i]) === 'as') i += 2;
  let columns: string[] | undefined;
  if (isOp(tokens[i], '(')) {
    columns = [];
    i += 1;
    for (;;) {
      const column = tokens[i];
      if (column?.t !== 'word') return undefined;
      columns.push(column.v);
      i += 1;
      if (isOp(tokens[i], ',')) i += 1;
      else if (isOp(tokens[i], ')')) break;
      else return undefined;
    }
    i += 1;
  }
  if (keyword(tokens[i]) !== 'values' || !isOp(tokens[i + 1], '(')) return undefined;
  i += 2;
  const values: (ValueSource | undefined)[] = [];
  for (;;) {
    const read = value(tokens, i);
    values.push(read.source);
    i = read.next;
    // Skip what is left of an expression value, to its end at this level.
    let depth = 0;
    while (i < tokens.length && !(depth === 0 && (isOp(tokens[i], ',') || isOp(tokens[i], ')')))) {
      if (isOp(tokens[i], '(')) depth += 1;
      if (isOp(tokens[i], ')')) depth -= 1;
      i += 1;
    }
    if (isOp(tokens[i], ',')) i += 1;
    else if (isOp(tokens[i], ')')) break;
    else return undefined;
  }
  // A second row: Picodata gives such an INSERT no key either.
  if (isOp(tokens[i + 1], ',')) return undefined;
  if (columns) {
    if (columns.length !== values.length) return undefined;
    const named = new Map<string, ValueSource>();
    columns.forEach((c, k) => {
      const source = values[k];
      if (source) named.set(c, source);
    });
    return { table: name.table, named };
  }
  return { table: name.table, positional: values.map((v) => v ?? { kind: 'other' }) };
}

function filtered(tokens: Token[], kind: 'select' | 'update' | 'delete'): KeyedSql | undefined {
  let i: number;
  if (kind === 'select') {
    const from = topLevel(tokens, 1, (t) => keyword(t) === 'from');
    if (from < 0) return undefined;
    i = from + 1;
  } else if (kind === 'delete') {
    if (keyword(tokens[1]) !== 'from') return undefined;
    i = 2;
  } else {
    i = 1;
  }
  const name = tableName(tokens, i);
  // A function in FROM, or a list of tables.
  if (!name || isOp(tokens[name.next], '(') || isOp(tokens[name.next], ',')) return undefined;
  i = name.next;
  if (keyword(tokens[i]) === 'as') i += 1;
  if (tokens[i]?.t === 'word' && !['where', 'set'].includes(keyword(tokens[i]) ?? '')) i += 1; // an alias
  if (kind === 'update') {
    if (keyword(tokens[i]) !== 'set') return undefined;
    i = topLevel(tokens, i + 1, (t) => keyword(t) === 'where');
    if (i < 0) return undefined;
  } else if (keyword(tokens[i]) !== 'where') {
    return undefined;
  }
  i += 1;
  const end = topLevel(tokens, i, (t) => STOP_WORDS.has(keyword(t) ?? ''));
  const where = tokens.slice(i, end < 0 ? tokens.length : end);
  const named = new Map<string, ValueSource>();
  let start = 0;
  for (let k = 0, depth = 0; k <= where.length; k += 1) {
    const token = where[k];
    if (isOp(token, '(')) depth += 1;
    if (isOp(token, ')')) depth -= 1;
    if (depth !== 0) continue;
    if (keyword(token) === 'or') return undefined;
    if (token !== undefined && keyword(token) !== 'and') continue;
    equality(where.slice(start, k), named);
    start = k + 1;
  }
  return { table: name.table, named };
}

/** Reads `column = value` or `value = column` (the whole conjunct) into `named`. */
function equality(conjunct: Token[], named: Map<string, ValueSource>): void {
  const eq = conjunct.findIndex((t) => isOp(t, '='));
  if (eq < 0) return;
  const before = conjunct.slice(0, eq);
  const after = conjunct.slice(eq + 1);
  const orders: Array<[Token[], Token[]]> = [[before, after], [after, before]];
  for (const [left, right] of orders) {
    const column = columnRef(left);
    if (column === undefined) continue;
    const read = value(right, 0);
    if (read.source && read.next === right.length) named.set(column, read.source);
    return;
  }
}

/** `col` or `alias.col`, the whole of `tokens`. */
function columnRef(tokens: Token[]): string | undefined {
  const last = tokens.at(-1);
  if (last?.t !== 'word' || (!last.quoted && ['true', 'false', 'null'].includes(last.v))) return undefined;
  if (tokens.length === 1) return last.v;
  if (tokens.length === 3 && tokens[0]?.t === 'word' && isOp(tokens[1], '.')) return last.v;
  return undefined;
}

/** A value at `i`: `$n`, a literal, either with a `::type`; `source` is undefined for anything else. */
function value(tokens: Token[], i: number): { source: ValueSource | undefined; next: number } {
  let token = tokens[i];
  let source: ValueSource | undefined;
  let negative = false;
  if (isOp(token, '-') && tokens[i + 1]?.t === 'num') {
    negative = true;
    i += 1;
    token = tokens[i];
  }
  if (token?.t === 'param') source = { kind: 'param', index: token.v };
  else if (token?.t === 'num') source = { kind: 'literal', text: negative ? `-${token.v}` : token.v };
  else if (token?.t === 'str') source = { kind: 'literal', text: token.v };
  else if (token?.t === 'word' && !token.quoted && (token.v === 'true' || token.v === 'false')) source = { kind: 'literal', text: token.v };
  else if (token?.t === 'word' && !token.quoted && token.v === 'null') source = { kind: 'literal', text: null };
  if (!source) return { source: undefined, next: i };
  i += 1;
  if (isOp(tokens[i], '::')) {
    i += 1;
    // A type name: words, and a parenthesised modifier such as varchar(10).
    while (tokens[i]?.t === 'word') i += 1;
    if (isOp(tokens[i], '(')) {
      while (i < tokens.length && !isOp(tokens[i], ')')) i += 1;
      i += 1;
    }
  }
  return { source, next: i };
}

/** A table name at `i`, possibly schema-qualified (the schema is dropped). */
function tableName(tokens: Token[], i: number): { table: string; next: number } | undefined {
  const first = tokens[i];
  if (first?.t !== 'word') return undefined;
  if (isOp(tokens[i + 1], '.')) {
    const second = tokens[i + 2];
    if (second?.t !== 'word') return undefined;
    return { table: second.v, next: i + 3 };
  }
  return { table: first.v, next: i + 1 };
}

/** The index of the first token from `i` at parenthesis depth 0 that matches; -1 when none. */
function topLevel(tokens: Token[], i: number, match: (t: Token) => boolean): number {
  let depth = 0;
  for (let k = i; k < tokens.length; k += 1) {
    const token = tokens[k] as Token;
    if (isOp(token, '(')) depth += 1;
    else if (isOp(token, ')')) depth -= 1;
    else if (depth === 0 && match(token)) return k;
  }
  return -1;
}

function keyword(token: Token | undefined): string | undefined {
  return token?.t === 'word' && !token.quoted ? token.v : undefined;
}

function isOp(token: Token | undefined, op: string): boolean {
  return token?.t === 'op' && token.v === op;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** The tokens of `sql`; undefined for text the gateway does not try to read (E'' strings, dollar quotes). */
function tokenize(sql: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'") {
      let text = '';
      let k = i + 1;
      for (;;) {
        if (k >= sql.length) return undefined;
        if (sql[k] === "'") {
          if (sql[k + 1] === "'") {
            text += "'";
            k += 2;
            continue;
          }
          break;
        }
        text += sql[k];
        k += 1;
      }
      tokens.push({ t: 'str', v: text });
      i = k + 1;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return undefined;
      tokens.push({ t: 'word', v: sql.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else if (c === '$') {
      const match = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (!match) return undefined;
      tokens.push({ t: 'param', v: Number(match[1]) });
      i += match[0].length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ t: 'num', v: text });
      i += text.length;
    } else if (WORD_START.test(c)) {
      let k = i + 1;
      while (k < sql.length && WORD_CHAR.test(sql[k] as string)) k += 1;
      const word = sql.slice(i, k);
      // E'...' has backslash escapes: not worth reading.
      if ((word === 'E' || word === 'e') && sql[k] === "'") return undefined;
      tokens.push({ t: 'word', v: word.toLowerCase(), quoted: false });
      i = k;
    } else if (c === ':' && sql[i + 1] === ':') {
      tokens.push({ t: 'op', v: '::' });
      i += 2;
    } else {
      tokens.push({ t: 'op', v: c });
      i += 1;
    }
  }
  return tokens;
}
