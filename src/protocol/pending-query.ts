import { createRowDecoder } from '../types/row-decoder.js';
import type { FieldInfo, Int8Mode, QueryResult, RowMode } from './query-types.js';
import type { PreparedStatement } from './statement-cache.js';
import type { QuerySink } from './query-sink.js';
import type { RawRows } from './row-reuse.js';

/** Where a query is in its life on one connection. */
export enum QueryState {
  /** Accepted, waiting for the next write: can still be withdrawn without touching the server. */
  Queued,
  /** Written to the socket: the server may execute it. */
  Sent,
  /** At least one reply arrived for it. */
  Receiving,
  /**
   * Written in a Sync window where an earlier statement failed: the server discarded it unexecuted, and it
   * is written again once the window's ReadyForQuery arrives.
   */
  Skipped,
  /** Settled. */
  Done,
}

export type RowDecoder = (values: (string | null)[]) => unknown;

const NO_MESSAGES: readonly Buffer[] = Object.freeze([]);
const NO_BYTES = Buffer.alloc(0);

/**
 * One query on one connection, from the call to its ReadyForQuery. A class (not an object literal) so every
 * query has the same hidden shape on the hot path.
 */
export class PendingQuery {
  state = QueryState.Queued;
  /*
   * What the query writes, settled when it is accepted (see `query-message.ts`): `head`, then a Bind of
   * `bindSize` bytes written in place from `params`, then `tail`; no Sync, which the pipeline adds at the
   * end of each window. Kept until the query settles, to write again if skipped.
   */
  /** Messages before the Bind: Close of an evicted statement, Parse, Describe (none for most queries). */
  head: readonly Buffer[] = NO_MESSAGES;
  /** The Bind's size in bytes; 0 when only `head` is written (what a withdrawn query still prepares). */
  bindSize = 0;
  /** The statement the Bind names ('' for the unnamed one). */
  bindName = '';
  /** After the Bind: Execute, after a Describe of the portal for an unnamed statement. */
  tail: Buffer = NO_BYTES;
  /** The last statement of its Sync window: the window's ReadyForQuery follows this one's replies. */
  syncAfter = false;
  /** How many leading `head` messages prepare the statement (Close of an evicted one, Parse, Describe). */
  prepareParts = 0;
  /** A statement to Close before this query prepares its own (the server invalidated the old one). */
  closeFirst: string | undefined = undefined;
  /** The statement cache's `lastId` when the query was built: a DEALLOCATE ALL removes statements up to it. */
  cacheMark = 0;
  /** The named statement used, when the statement cache is on. */
  statement: PreparedStatement | undefined = undefined;
  /** This query carries the Parse (a new named statement, or an unnamed one). */
  parses = false;
  /** ParseComplete arrived: a later error is not a parse error. */
  parsed = false;
  /** BindComplete arrived: a later error is not about the statement's existence. */
  bound = false;
  fields: FieldInfo[] | undefined = undefined;
  decoder: RowDecoder | undefined = undefined;
  rows: unknown[] = [];
  commandTag = '';
  error: Error | undefined = undefined;
  /** Re-prepared once after SQLSTATE 42999 or 26000 (the statement was invalidated or deallocated). */
  reprepared = false;
  /**
   * Read with `REUSE_ROWS_FROM` (see `row-reuse.ts`): each DataRow's bytes are kept here, and `reuse` is
   * the earlier result whose rows may stand in for equal bytes (undefined when none fits).
   */
  raw: Buffer[] | undefined = undefined;
  reuse: { rows: readonly unknown[]; raw: RawRows } | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  abortListener: (() => void) | undefined = undefined;

  constructor(
    readonly sql: string,
    readonly params: (string | null)[],
    readonly rowMode: RowMode,
    readonly int8: Int8Mode,
    readonly prepare: boolean,
    readonly signal: AbortSignal | undefined,
    readonly sink: QuerySink,
  ) {}

  resolve(result: QueryResult<unknown>): void {
    this.sink.ok(result);
  }

  reject(error: Error): void {
    this.sink.fail(error);
  }

  /** Stops the timer and the abort listener; called exactly once, when the query settles. */
  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.abortListener !== undefined) this.signal?.removeEventListener('abort', this.abortListener);
    this.state = QueryState.Done;
  }

  /** Nothing to write (the messages are built anew, or the query fails before it is queued). */
  clearMessages(): void {
    this.head = NO_MESSAGES;
    this.bindSize = 0;
    this.bindName = '';
    this.tail = NO_BYTES;
    this.prepareParts = 0;
  }

  /** Back to Queued, to be prepared and sent once more (after the server invalidated its statement). */
  resetForRetry(): void {
    this.reprepared = true;
    this.state = QueryState.Queued;
    this.statement = undefined;
    this.parses = false;
    this.parsed = false;
    this.bound = false;
    this.clearMessages();
    this.fields = undefined;
    this.decoder = undefined;
    this.rows = [];
    if (this.raw !== undefined) this.raw = [];
    this.commandTag = '';
    this.error = undefined;
  }
}

/** A parsed command tag: the verb (`INSERT`, `CREATE TABLE`) and the row count (0 when the tag has none). */
export interface CommandTag {
  readonly command: string;
  readonly rowCount: number;
}

/** The last tag parsed, and what it gave: a pipeline of the same statement repeats the same tag. */
let lastTag = '';
let lastParsed: CommandTag = Object.freeze({ command: '', rowCount: 0 });

/** Splits a command tag like `INSERT 0 5` or `CREATE TABLE` into its verb and row count (frozen, may be shared). */
export function parseCommandTag(tag: string): CommandTag {
  if (tag === lastTag) return lastParsed;
  let end = tag.length;
  let rowCount = 0;
  const lastSpace = tag.lastIndexOf(' ');
  if (lastSpace > 0 && allDigits(tag, lastSpace + 1, tag.length)) {
    rowCount = Number(tag.slice(lastSpace + 1));
    end = lastSpace;
    const prevSpace = tag.lastIndexOf(' ', end - 1);
    if (prevSpace > 0 && allDigits(tag, prevSpace + 1, end)) end = prevSpace;
  }
  lastTag = tag;
  lastParsed = Object.freeze({ command: tag.slice(0, end), rowCount });
  return lastParsed;
}

/** `tag[from..to)` is one or more ASCII digits. */
function allDigits(tag: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = tag.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Marks a query as answered in part, unless it is settled already. */
export function receiving(q: PendingQuery): void {
  if (q.state !== QueryState.Done) q.state = QueryState.Receiving;
}

/**
 * The key of a statement's decoder for each pair of modes: constant strings, so a lookup neither builds a
 * string nor hashes one anew on every query.
 */
const DECODER_KEYS: Readonly<Record<RowMode, Readonly<Record<Int8Mode, string>>>> = {
  object: { number: 'object:number', bigint: 'object:bigint', string: 'object:string' },
  array: { number: 'array:number', bigint: 'array:bigint', string: 'array:string' },
};

/** The row decoder for a query, shared by every query of a cached statement with the same modes. */
export function decoderFor(q: PendingQuery): RowDecoder {
  const fields = q.fields ?? q.statement?.fields ?? [];
  if (q.fields === undefined) q.fields = fields;
  const statement = q.statement;
  if (statement === undefined) return createRowDecoder(fields, { int8: q.int8, rowMode: q.rowMode }) as RowDecoder;
  const key = DECODER_KEYS[q.rowMode][q.int8];
  statement.decoders ??= new Map();
  let decoder = statement.decoders.get(key) as RowDecoder | undefined;
  if (decoder === undefined) {
    decoder = createRowDecoder(fields, { int8: q.int8, rowMode: q.rowMode }) as RowDecoder;
    statement.decoders.set(key, decoder);
  }
  return decoder;
}
