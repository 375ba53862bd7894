/**
 * The gateway's record of keyed statements: for each executed statement whose sharding key it can read
 * (see keyed-sql.ts), which instance served it, the key's bucket (picots' own `bucketId`), the replicaset
 * owning that bucket, and whether the serving instance belongs to that replicaset and is its master. A
 * test asserts with it that a smart client sends each keyed statement to its owner.
 *
 * The sharding facts come from a {@link ShardingSource}, loaded once and cached. The cache is dropped
 * when a session runs DDL (CREATE, ALTER, DROP) or when {@link KeyedRecorder.invalidate} is called (the
 * cluster does on every stand-in change), and reloaded when a statement names a table it does not know.
 * A statement whose facts are not loaded yet waits for them before it goes to the server, so its record
 * exists by the time the client has its answer.
 */
import { bucketId } from '../../routing/bucket-id.js';
import type { KeyPart } from '../../routing/key-part.js';
import type { FrontendMessage } from './frontend-reader.js';
import { keyPartFromParameter, keyPartFromText } from './key-values.js';
import { isDdl, keyedSql, type KeyedSql, type ValueSource } from './keyed-sql.js';
import { ShardingView, type ShardingSource } from './sharding-snapshot.js';

/** One executed statement with a sharding key the gateway could read. */
export interface KeyedStatementRecord {
  /** The SQL text as sent (Parse or Query). */
  readonly sql: string;
  /** The gateway session it came on. */
  readonly sessionId: number;
  /** The instance that served it (whose listener the client connected to). */
  readonly instance: string;
  /** That instance's replicaset; undefined when the instance is no longer in `_pico_instance`. */
  readonly replicaset: string | undefined;
  /** The table the key is of, as `_pico_table.name` names it. */
  readonly table: string;
  /** The table's tier, whose bucket count and bucket owners the other fields use. */
  readonly tier: string;
  /** The key's bucket, 1..bucket_count of the tier. */
  readonly bucket: number;
  /** The replicaset owning the bucket (`_pico_bucket`); undefined when no replicaset holds it. */
  readonly ownerReplicaset: string | undefined;
  /** The instance belongs to the owning replicaset: Picodata would serve it without another hop. */
  readonly servedByOwner: boolean;
  /** ... and is that replicaset's master (`current_master_name`), where writes are executed. */
  readonly servedByLeader: boolean;
}

// Parsed SQL texts kept, so a repeated statement is read once.
const MAX_PARSED = 10_000;

/** Holds the records and the cached sharding facts of one gateway; see the module comment. */
export class KeyedRecorder {
  readonly #source: ShardingSource;
  #view: ShardingView | undefined;
  /** The last view, used while a fresh one loads for another session. */
  #stale: ShardingView | undefined;
  #loading: Promise<void> | undefined;
  /** Tables looked up and not found since the last invalidation: no reload for them. */
  readonly #missed = new Set<string>();
  readonly #parsed = new Map<string, KeyedSql | null>();
  readonly #records: KeyedStatementRecord[] = [];
  #lastError: unknown;

  constructor(source: ShardingSource) {
    this.#source = source;
  }

  /** The database whose sessions are tracked. */
  get database(): string {
    return this.#source.database;
  }

  /** Snapshots of the records, in order of execution. */
  get records(): readonly KeyedStatementRecord[] {
    return [...this.#records];
  }

  /** Why the last load of the sharding facts failed, if it did (the statements then go unrecorded). */
  get lastError(): unknown {
    return this.#lastError;
  }

  clear(): void {
    this.#records.length = 0;
  }

  /** Forgets the cached facts; the next keyed statement reloads them. */
  invalidate(): void {
    if (this.#view) this.#stale = this.#view;
    this.#view = undefined;
    this.#missed.clear();
  }

  /** A tracker for one session (`instance` is the listener's instance name). */
  session(instance: string, sessionId: number): KeyedSession {
    return new KeyedSession(this, instance, sessionId);
  }

  /** The key-bearing shape of `sql`, cached by text. */
  parse(sql: string): KeyedSql | undefined {
    let parsed = this.#parsed.get(sql);
    if (parsed === undefined) {
      parsed = keyedSql(sql) ?? null;
      if (this.#parsed.size >= MAX_PARSED) this.#parsed.clear();
      this.#parsed.set(sql, parsed);
    }
    return parsed ?? undefined;
  }

  /** A promise when the facts for `sql` must be loaded first; undefined when they are at hand. */
  ready(sql: string): Promise<void> | undefined {
    const parsed = this.parse(sql);
    if (!parsed) return undefined;
    const view = this.#view;
    if (view && (view.knows(parsed.table) || this.#missed.has(parsed.table))) return undefined;
    if (view) this.#missed.add(parsed.table);
    return this.#load();
  }

  /** Records one executed statement, when its key can be read. */
  record(sql: string, instance: string, sessionId: number, parameter: (index: number) => { bytes: Buffer | null; format: number } | undefined): void {
    const parsed = this.parse(sql);
    const view = this.#view ?? this.#stale;
    if (!parsed || !view) return;
    const table = view.sharded(parsed.table);
    if (!table) return;
    const bucketCount = view.bucketCount(table.tier);
    if (bucketCount === undefined || bucketCount < 1) return;
    const parts: KeyPart[] = [];
    for (const column of table.key) {
      const source = sourceOf(parsed, table.columns, column);
      const type = table.types.get(column);
      if (!source || type === undefined) return;
      const part = partOf(source, type, parameter);
      if (part === undefined) return;
      parts.push(part);
    }
    let bucket: number;
    try {
      bucket = bucketId(parts, bucketCount);
    } catch {
      return;
    }
    const replicaset = view.replicasetOf(instance);
    const ownerReplicaset = view.owner(table.tier, bucket);
    const servedByOwner = replicaset !== undefined && replicaset === ownerReplicaset;
    this.#records.push({
      sql, sessionId, instance, replicaset, table: table.name, tier: table.tier, bucket, ownerReplicaset, servedByOwner,
      servedByLeader: servedByOwner && view.master(replicaset) === instance,
    });
  }

  #load(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        this.#view = new ShardingView(await this.#source.load());
        this.#stale = undefined;
        this.#lastError = undefined;
      } catch (error) {
        // Nothing to record with; statements go on unrecorded rather than fail.
        this.#lastError = error;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}

/** One session's prepared statements and portals, to know each Execute's SQL text and parameters. */
export class KeyedSession {
  readonly #recorder: KeyedRecorder;
  readonly #instance: string;
  readonly #sessionId: number;
  readonly #statements = new Map<string, string>();
  readonly #portals = new Map<string, { readonly sql: string; readonly formats: readonly number[]; readonly values: ReadonlyArray<Buffer | null> }>();

  constructor(recorder: KeyedRecorder, instance: string, sessionId: number) {
    this.#recorder = recorder;
    this.#instance = instance;
    this.#sessionId = sessionId;
  }

  /**
   * Before `message` is handled: a promise when it is an Execute or Query whose sharding facts must be
   * loaded first (hold the message until it settles; it never rejects).
   */
  wait(message: FrontendMessage): Promise<void> | undefined {
    if (message.type === 'Q') return this.#recorder.ready(cString(message.body, 0).value);
    if (message.type === 'E') {
      const portal = this.#portals.get(cString(message.body, 0).value);
      return portal ? this.#recorder.ready(portal.sql) : undefined;
    }
    return undefined;
  }

  /** A whole message on its way to the server (the gateway's own Syncs included). */
  sent(bytes: Buffer): void {
    const type = String.fromCharCode(bytes[0] ?? 0);
    const body = bytes.subarray(5);
    try {
      if (type === 'P') this.#parse(body);
      else if (type === 'B') this.#bind(body);
      else if (type === 'C' && body[0] === 0x53) this.#statements.delete(cString(body, 1).value);
      else if (type === 'E') this.#execute(body);
      else if (type === 'Q') this.#query(body);
    } catch {
      // A message too short for its fields: the server will say so; nothing to record.
    }
  }

  #parse(body: Buffer): void {
    const name = cString(body, 0);
    const sql = cString(body, name.next).value;
    this.#statements.set(name.value, sql);
    if (isDdl(sql)) this.#recorder.invalidate();
  }

  #bind(body: Buffer): void {
    const portal = cString(body, 0);
    const statement = cString(body, portal.next);
    const sql = this.#statements.get(statement.value);
    if (sql === undefined) {
      this.#portals.delete(portal.value);
      return;
    }
    let pos = statement.next;
    const formatCount = body.readInt16BE(pos);
    pos += 2;
    const formats: number[] = [];
    for (let k = 0; k < formatCount; k += 1, pos += 2) formats.push(body.readInt16BE(pos));
    const valueCount = body.readInt16BE(pos);
    pos += 2;
    const values: Array<Buffer | null> = [];
    for (let k = 0; k < valueCount; k += 1) {
      const length = body.readInt32BE(pos);
      pos += 4;
      if (length < 0) {
        values.push(null);
      } else {
        values.push(Buffer.from(body.subarray(pos, pos + length)));
        pos += length;
      }
    }
    this.#portals.set(portal.value, { sql, formats, values });
  }

  #execute(body: Buffer): void {
    const portal = this.#portals.get(cString(body, 0).value);
    if (!portal) return;
    this.#recorder.record(portal.sql, this.#instance, this.#sessionId, (index) => {
      if (index < 1 || index > portal.values.length) return undefined;
      const format = portal.formats.length === 0 ? 0 : portal.formats.length === 1 ? portal.formats[0] : portal.formats[index - 1];
      return { bytes: portal.values[index - 1] ?? null, format: format ?? 0 };
    });
  }

  #query(body: Buffer): void {
    const sql = cString(body, 0).value;
    if (isDdl(sql)) this.#recorder.invalidate();
    else this.#recorder.record(sql, this.#instance, this.#sessionId, () => undefined);
  }
}

function sourceOf(parsed: KeyedSql, columns: readonly string[], column: string): ValueSource | undefined {
  if (parsed.named) return parsed.named.get(column);
  const position = columns.indexOf(column);
  return position < 0 ? undefined : parsed.positional?.[position];
}

function partOf(
  source: ValueSource, type: string, parameter: (index: number) => { bytes: Buffer | null; format: number } | undefined,
): KeyPart | undefined {
  try {
    if (source.kind === 'literal') return keyPartFromText(type, source.text);
    if (source.kind === 'other') return undefined;
    const value = parameter(source.index);
    return value === undefined ? undefined : keyPartFromParameter(type, value.bytes, value.format);
  } catch {
    // A value the routing layer refuses (a bad uuid or decimal): the server would refuse it too.
    return undefined;
  }
}

function cString(body: Buffer, start: number): { readonly value: string; readonly next: number } {
  const end = body.indexOf(0, start);
  if (end < 0) throw new RangeError('unterminated string');
  return { value: body.toString('utf8', start, end), next: end + 1 };
}
