/**
 * The NoticeResponse Picodata (26.1.1+) sends after every successful extended-protocol Parse of a session
 * that asked for `pico_query_metadata=true`, before ParseComplete: `S=NOTICE`, `C=00000`, and as `M` the JSON
 * `{"type":"PreparedStatementMetadata","query":<Parse text>,"tier":<tier or null>,"dk_meta":[[param, oid], …]}`.
 *
 * `dk_meta` follows Picodata's `discover_sharding_key_info`: non-empty only for an INSERT of one VALUES row
 * into a sharded table where every sharding-key column (in sharding-key order) holds `$n`, or `$n::T` with T
 * the parameter's own type; each entry is the parameter's number and its type's OID. A parameter's type is
 * the one the Parse declared, else that of its first cast, else that of the column it is first inserted into
 * bare, else text (Picodata's default).
 */
import type { CatalogColumn, TableDistribution } from './sharding-catalog.js';

/** What the notice carries besides the query text. */
export interface StatementMetadata {
  readonly tier: string | null;
  readonly dkMeta: ReadonlyArray<readonly [param: number, oid: number]>;
}

/** Looks a table up as written in SQL; `undefined` when there is none. */
export type TableLookup = (table: string) => Promise<TableDistribution | undefined>;

/** Picodata's type OIDs by the type names a cast may use (Picodata's and PostgreSQL's spellings). */
const CAST_OID: ReadonlyMap<string, number> = new Map([
  ...['int', 'integer', 'int8', 'bigint', 'int4', 'int2', 'smallint', 'unsigned'].map((n) => [n, 20] as const),
  ...['decimal', 'numeric'].map((n) => [n, 1700] as const),
  ...['bool', 'boolean'].map((n) => [n, 16] as const),
  ...['datetime', 'timestamptz', 'timestamp', 'timestamp with time zone'].map((n) => [n, 1184] as const),
  ['uuid', 2950],
  ...['text', 'string', 'varchar', 'character varying', 'char', 'character', 'bpchar'].map((n) => [n, 25] as const),
  ...['double', 'double precision', 'float8', 'float', 'float4', 'real'].map((n) => [n, 701] as const),
]);

/** Declared parameter OIDs of a Parse (PostgreSQL's) to Picodata's. */
const DECLARED_OID: ReadonlyMap<number, number> = new Map([
  [20, 20], [21, 20], [23, 20], [1700, 1700], [16, 16], [1184, 1184], [2950, 2950], [25, 25], [1043, 25], [701, 701],
]);

const TEXT_OID = 25;
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const INSERT = new RegExp(String.raw`^\s*insert\s+into\s+(${IDENT})\s*(?:\(([^)]*)\))?\s*values\b([\s\S]*)$`, 'i');
const TABLES = new RegExp(String.raw`\b(?:from|join|into|update)\s+(${IDENT})`, 'gi');
const PARAM = /^\$(\d+)(?:\s*::\s*([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?)?$/i;
const CAST_PARAM = /^cast\s*\(\s*\$(\d+)\s+as\s+([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?\s*\)$/i;

/** One VALUES item: a parameter (maybe cast), or anything else. */
type Item = { readonly param: number; readonly cast: string | undefined } | undefined;

/**
 * The metadata of one statement. `declared` are the parameter type OIDs the Parse gave (0: unspecified).
 *
 * @example
 * ```ts
 * await statementMetadata('insert into t (c, a) values ($1::int, $2)', [], lookup);
 * // { tier: 'default', dkMeta: [[1, 20], [2, 1700]] } for PRIMARY KEY (c, a) with a DECIMAL
 * ```
 */
export async function statementMetadata(sql: string, declared: readonly number[], lookup: TableLookup): Promise<StatementMetadata> {
  const insert = INSERT.exec(sql);
  if (insert === null) return { tier: await firstTier(sql, lookup), dkMeta: [] };
  const [, table = '', columnList, tail = ''] = insert;
  const dist = await lookup(table);
  if (dist === undefined) return { tier: null, dkMeta: [] };
  if (dist.kind === 'global') return { tier: null, dkMeta: [] };
  return { tier: dist.tier, dkMeta: insertDkMeta(dist, columnList, tail, declared) };
}

function insertDkMeta(dist: Extract<TableDistribution, { kind: 'sharded' }>, columnList: string | undefined, tail: string, declared: readonly number[]): Array<[number, number]> {
  const rows = valuesRows(tail);
  if (rows === undefined || rows.length !== 1) return [];
  const row = rows[0]!.map(item);
  const targets = columnList === undefined ? dist.columns.map((c) => c.name) : splitTopLevel(columnList).map(identifier);
  if (targets.length !== row.length || dist.key.length === 0) return [];
  const types = paramTypes(row, targets, dist.columns, declared);
  const dk: Array<[number, number]> = [];
  for (const column of dist.key) {
    const at = targets.indexOf(column);
    const value = at < 0 ? undefined : row[at];
    if (value === undefined) return [];
    const type = types.get(value.param) ?? TEXT_OID;
    if (value.cast !== undefined && CAST_OID.get(value.cast) !== type) return [];
    dk.push([value.param, type]);
  }
  return dk;
}

function paramTypes(row: readonly Item[], targets: readonly string[], columns: readonly CatalogColumn[], declared: readonly number[]): Map<number, number> {
  const types = new Map<number, number>();
  declared.forEach((oid, i) => {
    const own = DECLARED_OID.get(oid);
    if (own !== undefined) types.set(i + 1, own);
  });
  for (const value of row) {
    if (value?.cast === undefined || types.has(value.param)) continue;
    const oid = CAST_OID.get(value.cast);
    if (oid !== undefined) types.set(value.param, oid);
  }
  row.forEach((value, i) => {
    if (value === undefined || value.cast !== undefined || types.has(value.param)) return;
    const oid = columns.find((c) => c.name === targets[i])?.oid;
    if (oid !== undefined) types.set(value.param, oid);
  });
  return types;
}

function item(text: string): Item {
  const m = PARAM.exec(text) ?? CAST_PARAM.exec(text);
  if (m === null) return undefined;
  return { param: Number(m[1]), cast: m[2]?.toLowerCase().replace(/\s+/g, ' ') };
}

/** The rows of `VALUES (…), (…)` with their items as text; `undefined` when the tail is not just that. */
function valuesRows(tail: string): string[][] | undefined {
  const rows: string[][] = [];
  let i = 0;
  const s = tail.replace(/;\s*$/, '');
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (s[i] !== '(') return undefined;
    const end = closingParen(s, i);
    if (end < 0) return undefined;
    rows.push(splitTopLevel(s.slice(i + 1, end)));
    i = end + 1;
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) return rows;
    if (s[i] !== ',') return undefined;
    i++;
  }
}

/** The index of the `)` closing the `(` at `open`, skipping quoted text; -1 when there is none. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') i = endOfQuoted(s, i);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits at commas outside parentheses and quotes; each part trimmed. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') i = endOfQuoted(s, i);
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(s.slice(start).trim());
  return parts;
}

function endOfQuoted(s: string, at: number): number {
  const quote = s[at];
  for (let i = at + 1; i < s.length; i++) {
    if (s[i] !== quote) continue;
    if (s[i + 1] === quote) i++;
    else return i;
  }
  return s.length;
}

/** A column name as the catalog spells it: quoted as written, unquoted folded to lower case. */
function identifier(text: string): string {
  return text.startsWith('"') && text.endsWith('"') && text.length >= 2 ? text.slice(1, -1).replace(/""/g, '"') : text.toLowerCase();
}

/** The tier of the first sharded table the statement names; null when it names none. */
async function firstTier(sql: string, lookup: TableLookup): Promise<string | null> {
  for (const m of sql.matchAll(TABLES)) {
    const dist = await lookup(m[1]!);
    if (dist?.kind === 'sharded') return dist.tier;
  }
  return null;
}

/** The NoticeResponse itself: only the fields Picodata fills (`S`, `C`, `M`). */
export function metadataNotice(query: string, metadata: StatementMetadata): Buffer {
  const json = JSON.stringify({ type: 'PreparedStatementMetadata', query, tier: metadata.tier, dk_meta: metadata.dkMeta });
  const body = Buffer.from(`SNOTICE\0C00000\0M${json}\0\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.write('N', 0, 'latin1');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

/** The declared parameter type OIDs of a Parse body (name, query, count, OIDs). */
export function declaredParamOids(body: Buffer): number[] {
  const nameEnd = body.indexOf(0);
  const queryEnd = nameEnd < 0 ? -1 : body.indexOf(0, nameEnd + 1);
  if (queryEnd < 0 || queryEnd + 3 > body.length) return [];
  const count = body.readInt16BE(queryEnd + 1);
  const oids: number[] = [];
  for (let i = 0; i < count && queryEnd + 3 + 4 * (i + 1) <= body.length; i++) oids.push(body.readUInt32BE(queryEnd + 3 + 4 * i));
  return oids;
}
