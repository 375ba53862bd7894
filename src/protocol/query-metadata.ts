/**
 * Picodata's query metadata (26.1.1+, startup option `pico_query_metadata=true`): after every successful
 * Parse the server sends, before ParseComplete, a NoticeResponse with `C = 00000` whose message is JSON:
 * `{"type":"PreparedStatementMetadata","query":"<Parse text>","tier":"default","dk_meta":[[4,1184],[2,1700]]}`.
 * `dk_meta` says which parameter holds each sharding-key column (in sharding-key order) and its type OID;
 * it is empty unless the server can compute the key from the parameters alone (today: a single-row
 * `INSERT … VALUES` with plain parameters). It is protocol, not a message for people: a connection hands
 * it to a {@link QueryMetadataCache} and never emits it as a notice.
 */

/** One statement's metadata, as the server sent it. */
export interface QueryMetadata {
  /** The statement's SQL text, exactly as it was parsed. */
  readonly query: string;
  /** The tier of the statement's tables; `null` when it touches no sharded table. */
  readonly tier: string | null;
  /** `[parameter number (1-based), type OID]` per sharding-key column, in sharding-key order; `[]` for none. */
  readonly dkMeta: ReadonlyArray<readonly [param: number, oid: number]>;
}

/** What {@link readQueryMetadata} says of a notice that is query metadata but cannot be used. */
export const MALFORMED = 'malformed';

const TYPE = 'PreparedStatementMetadata';
const MAX_PARAM = 65535;

/**
 * Reads a notice's message: the metadata, {@link MALFORMED} for a metadata notice that cannot be used (it is
 * still not a notice for the user), or `undefined` for any other notice.
 *
 * @example
 * ```ts
 * readQueryMetadata('{"type":"PreparedStatementMetadata","query":"insert into t values ($1)","tier":"default","dk_meta":[[1,20]]}');
 * // { query: 'insert into t values ($1)', tier: 'default', dkMeta: [[1, 20]] }
 * ```
 */
export function readQueryMetadata(message: string | undefined): QueryMetadata | typeof MALFORMED | undefined {
  // Cheap test first: ordinary notices (and PostgreSQL's) never start like this.
  if (message === undefined || message.charCodeAt(0) !== 0x7b || !message.includes(TYPE)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return MALFORMED;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return MALFORMED;
  const o = parsed as Record<string, unknown>;
  if (o.type !== TYPE) return undefined;
  const { query, tier } = o;
  const dk = o.dk_meta;
  if (typeof query !== 'string' || (tier !== null && tier !== undefined && typeof tier !== 'string') || !Array.isArray(dk)) return MALFORMED;
  const dkMeta: Array<readonly [number, number]> = [];
  for (const entry of dk as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return MALFORMED;
    const [param, oid] = entry as unknown[];
    if (!Number.isInteger(param) || (param as number) < 1 || (param as number) > MAX_PARAM) return MALFORMED;
    if (!Number.isInteger(oid) || (oid as number) < 0) return MALFORMED;
    dkMeta.push(Object.freeze([param as number, oid as number] as const));
  }
  return Object.freeze({ query, tier: tier ?? null, dkMeta: Object.freeze(dkMeta) });
}

/**
 * Query metadata by SQL text, shared by the connections of one pool (the metadata is the cluster's, not a
 * session's), bounded: the least recently used statement goes first.
 *
 * @example
 * ```ts
 * const cache = new QueryMetadataCache(100);
 * cache.record(metadata);
 * cache.get('insert into t values ($1)')?.dkMeta; // [[1, 20]]
 * ```
 */
export class QueryMetadataCache {
  /** The most statements kept (at least 1); recording one more evicts the least recently used. */
  readonly capacity: number;
  readonly #entries = new Map<string, QueryMetadata>();

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  /** How many statements' metadata are held now (at most {@link capacity}). */
  get size(): number {
    return this.#entries.size;
  }

  /** The metadata of a statement, marking it most recently used; `undefined` until a Parse of it brought some. */
  get(sql: string): QueryMetadata | undefined {
    const entries = this.#entries;
    const found = entries.get(sql);
    if (found !== undefined && entries.size > 1) {
      // Map keeps insertion order: moving the entry to the end keeps the oldest first for eviction.
      entries.delete(sql);
      entries.set(sql, found);
    }
    return found;
  }

  /** Stores what a Parse brought (the newest wins: a table's sharding key can change with DDL). */
  record(metadata: QueryMetadata): void {
    const entries = this.#entries;
    entries.delete(metadata.query);
    if (entries.size >= this.capacity) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(metadata.query, metadata);
  }

  /** Forgets every statement's metadata (after DDL that changed sharding keys, for instance). */
  clear(): void {
    this.#entries.clear();
  }
}
