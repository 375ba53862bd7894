import { serialize } from 'pg-protocol';
import type { DatabaseError } from 'pg-protocol';
import type {
  BackendMessage,
  CommandCompleteMessage,
  DataRowMessage,
  NoticeMessage,
  ParameterDescriptionMessage,
  ParameterStatusMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages.js';
import { AbortError, ProtocolError, ServerError, SessionDroppedError, TimeoutError } from '../errors.js';
import { createRowDecoder } from '../types/row-decoder.js';
import { PendingQuery, QueryState, parseCommandTag, type RowDecoder } from './pending-query.js';
import type { FieldInfo } from './query-types.js';
import type { StatementCache } from './statement-cache.js';
import { buildQueryMessage, preparationOnly } from './query-message.js';
import { lostQueryError, serverError, sessionEndedError } from './wire-errors.js';


/** What the pipeline needs from the connection that owns the socket. */
export interface PipelineHost {
  readonly address: string;
  /** Writes to the socket, if there still is one. */
  write(buffer: Buffer): void;
  /** Destroys the connection: the server broke the protocol, or a query's deadline passed after it was sent. */
  destroy(error: Error): void;
  /** True while queries may be re-sent (the connection is not closing). */
  isReady(): boolean;
  /** The server is ending the session; this is why the socket is about to close. */
  sessionEnding(error: Error): void;
  notice(msg: NoticeMessage): void;
  recordParameter(name: string, value: string): void;
}

/**
 * The queries of one connection, from accepted to answered. Each query is its own Parse?/Bind/Execute/Sync,
 * so an error stays with its query; replies arrive in the order the queries were written, and each
 * ReadyForQuery ends the oldest one. Statements are prepared once and cached (LRU).
 */
export class QueryPipeline {
  /** Sent and waiting for their ReadyForQuery, oldest first: replies arrive in this order. */
  readonly #inflight: PendingQuery[] = [];
  /** Accepted and not yet written; written together on the next tick so one write carries many queries. */
  readonly #queued: PendingQuery[] = [];
  #flushScheduled = false;
  #drainWaiters: Array<() => void> = [];
  readonly #host: PipelineHost;
  readonly #cache: StatementCache | undefined;

  constructor(host: PipelineHost, cache: StatementCache | undefined) {
    this.#host = host;
    this.#cache = cache;
  }

  /** Queries accepted and not yet answered. */
  get size(): number {
    return this.#inflight.length + this.#queued.length;
  }

  /** Named statements currently prepared on the server. */
  get preparedStatementCount(): number {
    return this.#cache?.size ?? 0;
  }

  /**
   * Builds a query's messages and accepts it; it is written with the others accepted in the same tick.
   * @throws {ParameterError} from building, before anything is queued.
   */
  add(q: PendingQuery): void {
    buildQueryMessage(q, this.#cache);
    this.#enqueue(q);
  }

  #enqueue(q: PendingQuery): void {
    this.#queued.push(q);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // nextTick runs after the promise continuations already queued, so callers woken by the same
      // batch of replies share one write.
      process.nextTick(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#queued.length === 0) return;
    const out: Buffer[] = [];
    for (let i = 0; i < this.#queued.length; i++) {
      const q = this.#queued[i]!;
      for (let j = 0; j < q.parts.length; j++) out.push(q.parts[j]!);
      q.parts = [];
      // A withdrawn query that still prepares a statement stays Done: its replies are read and dropped.
      if (q.state === QueryState.Queued) q.state = QueryState.Sent;
      this.#inflight.push(q);
    }
    this.#queued.length = 0;
    this.#host.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  };

  /** Handles one backend message after startup. */
  handle(msg: BackendMessage): void {
    const q = this.#inflight[0];
    switch (msg.name) {
      case 'notice':
        this.#host.notice(msg as NoticeMessage);
        return;
      case 'parameterStatus': {
        const p = msg as ParameterStatusMessage;
        this.#host.recordParameter(p.parameterName, p.parameterValue);
        return;
      }
      case 'notification':
        return;
      case 'error':
        this.#onError(q, msg as DatabaseError);
        return;
    }
    // Every other message answers the oldest query written: with none waiting, the server is out of step.
    if (q === undefined) {
      this.#violation(`sent '${msg.name}' with no query waiting for it`);
      return;
    }
    switch (msg.name) {
      case 'dataRow':
        this.#onDataRow(q, msg as DataRowMessage);
        return;
      case 'readyForQuery':
        this.#onReadyForQuery(q);
        return;
      case 'commandComplete':
        this.#onCommandComplete(q, (msg as CommandCompleteMessage).text);
        return;
      case 'rowDescription':
        this.#onRowDescription(q, (msg as RowDescriptionMessage).fields);
        return;
      case 'noData':
        if (q.statement !== undefined && q.parses) q.statement.fields = [];
        return;
      case 'parseComplete':
        if (!q.parses) {
          this.#violation("sent 'parseComplete' for a query that sent no Parse");
          return;
        }
        q.parsed = true;
        receiving(q);
        return;
      case 'bindComplete':
        q.bound = true;
        receiving(q);
        return;
      case 'parameterDescription':
        if (q.statement !== undefined && q.parses) q.statement.paramCount = (msg as ParameterDescriptionMessage).parameterCount;
        return;
      case 'closeComplete':
      case 'emptyQuery':
      case 'portalSuspended':
      case 'copyData':
      case 'copyDone':
      case 'copyOutResponse':
        return;
      case 'copyInResponse':
        // Picodata has no COPY; on PostgreSQL, refuse it so the connection stays usable.
        this.#host.write(serialize.copyFail('picots does not support COPY FROM STDIN'));
        return;
      default:
        this.#violation(`sent '${msg.name}', which has no place in a query's replies`);
    }
  }

  /** The server broke the protocol: nothing more it sends can be matched to a query. */
  #violation(what: string): void {
    this.#host.destroy(new ProtocolError(`${this.#host.address} ${what}; the connection was dropped`));
  }

  #onError(q: PendingQuery | undefined, msg: DatabaseError): void {
    const address = this.#host.address;
    if (msg.severity === 'FATAL' || msg.severity === 'PANIC') {
      // The server is ending the session (shutdown, terminated backend): this is why the socket closes.
      this.#host.sessionEnding(sessionEndedError(msg, address));
    }
    if (q !== undefined) {
      receiving(q);
      q.error ??= serverError(msg, address);
    } else {
      // An error with no query waiting (e.g. the server shutting down): the session is over.
      this.#host.destroy(sessionEndedError(msg, address));
    }
  }

  #onCommandComplete(q: PendingQuery, tag: string): void {
    q.commandTag = tag;
    const cache = this.#cache;
    if (cache === undefined || !tag.startsWith('DEALLOCATE')) return;
    // The caller removed prepared statements behind the cache's back. Queries already built for them get
    // 26000 and are prepared anew once; forgetting them here spares later queries that round trip.
    if (tag === 'DEALLOCATE ALL') cache.deleteUpTo(q.cacheMark);
    else {
      const name = deallocatedName(q.sql);
      if (name !== undefined) cache.deleteByName(name);
    }
  }

  #onRowDescription(q: PendingQuery, fields: FieldInfo[]): void {
    q.fields = fields;
    if (q.statement !== undefined && q.parses) q.statement.fields = fields;
  }

  #onDataRow(q: PendingQuery, msg: DataRowMessage): void {
    const fields = q.fields ?? q.statement?.fields;
    if (fields === undefined) {
      this.#violation('sent a DataRow before the RowDescription of its query');
      return;
    }
    if (msg.fields.length !== fields.length) {
      this.#violation(`sent a DataRow with ${msg.fields.length} values for a RowDescription of ${fields.length} columns`);
      return;
    }
    if (q.error !== undefined) return;
    let decoder = q.decoder;
    if (decoder === undefined) {
      decoder = decoderFor(q);
      q.decoder = decoder;
    }
    try {
      q.rows.push(decoder(msg.fields));
    } catch (error) {
      // A value that cannot be converted (e.g. int8 beyond 2^53 in number mode) fails this query only;
      // the rest of its rows are read and dropped so the connection stays in step.
      q.error = error as Error;
      q.rows.length = 0;
    }
  }

  #onReadyForQuery(q: PendingQuery): void {
    this.#inflight.shift();
    const statement = q.statement;
    if (statement !== undefined && q.parses && !q.parsed && q.error instanceof ServerError) {
      // The statement never came to exist on the server: forget it, and let queries pipelined behind it
      // report this error rather than "prepared statement does not exist".
      statement.parseError = q.error;
      this.#cache?.delete(statement);
    }
    if (q.state === QueryState.Done) {
      // Settled already: withdrawn by a deadline while it still prepared a statement for others.
      this.#checkDrained();
      return;
    }
    const error = q.error;
    if (error === undefined) {
      q.disarm();
      const { command, rowCount } = parseCommandTag(q.commandTag);
      q.resolve({ rows: q.rows, fields: q.fields ?? q.statement?.fields ?? [], command, rowCount });
    } else {
      this.#onQueryError(q, error);
    }
    this.#checkDrained();
  }

  #onQueryError(q: PendingQuery, error: Error): void {
    const statement = q.statement;
    if (statement !== undefined && error instanceof ServerError && !(q.parses && !q.parsed)) {
      // Its statement's Parse failed, so it never ran: whatever the server says about the missing statement
      // (PostgreSQL: 26000; Picodata: XX000 "Couldn't find statement"), the parse error is the news.
      if (statement.parseError !== undefined) {
        q.disarm();
        q.reject(statement.parseError);
        return;
      }
      // 42999: Picodata invalidated the statement (DDL, with pico_stmt_invalidation): Close it, prepare anew.
      // 26000 at Bind: the statement is gone (the caller ran DEALLOCATE): prepare anew. Either way the failed
      // Bind executed nothing, so running the query once more is safe.
      const invalidated = error.code === '42999';
      if ((invalidated || (error.code === '26000' && !q.bound)) && !q.reprepared && this.#host.isReady()) {
        const known = this.#cache?.delete(statement) === true;
        q.resetForRetry();
        if (invalidated && known) q.closeFirst = statement.name;
        try {
          buildQueryMessage(q, this.#cache);
        } catch (buildError) {
          q.disarm();
          q.reject(buildError as Error);
          return;
        }
        this.#enqueue(q);
        return;
      }
    }
    q.disarm();
    q.reject(error);
  }

  /**
   * A query's timeout or AbortSignal fired. Not yet written: it is withdrawn and nothing reaches the server.
   * Written: Picodata cannot cancel a running statement (no BackendKeyData, no CancelRequest), so the only
   * way to stop waiting is to drop the session; the statement may still run to completion on the server.
   */
  onDeadline(q: PendingQuery, kind: 'timeout' | 'abort', ms?: number): void {
    if (q.state === QueryState.Done) return;
    const address = this.#host.address;
    if (q.state === QueryState.Queued) {
      // Queries built after this one may use the statement it prepares: that part is still sent.
      const preparation = preparationOnly(q);
      if (preparation !== undefined) q.parts = preparation;
      else {
        const index = this.#queued.indexOf(q);
        if (index >= 0) this.#queued.splice(index, 1);
      }
      q.disarm();
      q.reject(kind === 'timeout'
        ? new TimeoutError(`query timed out after ${Math.round(ms ?? 0)} ms before it was sent`, { phase: 'acquire', mayHaveReachedServer: false, instance: address })
        : new AbortError('the query was aborted before it was sent', { phase: 'acquire', mayHaveReachedServer: false, instance: address, cause: q.signal?.reason }));
      this.#checkDrained();
      return;
    }
    const phase = q.state === QueryState.Receiving ? 'result' : 'sent';
    const what = kind === 'timeout' ? `timed out after ${Math.round(ms ?? 0)} ms` : 'was aborted';
    const message = `query ${what} after it was sent; the connection was destroyed (Picodata cannot cancel a statement) and the statement may have been executed`;
    q.disarm();
    q.reject(kind === 'timeout'
      ? new TimeoutError(message, { phase, mayHaveReachedServer: true, instance: address })
      : new AbortError(message, { phase, mayHaveReachedServer: true, instance: address, cause: q.signal?.reason }));
    this.#host.destroy(new SessionDroppedError(`the connection was destroyed because another query pipelined on it ${what}; the outcome of this query is unknown`, { phase: 'sent', mayHaveReachedServer: true, instance: address }));
  }

  /** The socket is gone: every query still waiting fails, and the statement cache is forgotten. */
  failAll(base: Error): void {
    const address = this.#host.address;
    for (const q of this.#inflight.splice(0)) {
      if (q.state === QueryState.Done) continue;
      const receiving = q.state === QueryState.Receiving;
      q.disarm();
      q.reject(lostQueryError(base, true, receiving, address));
    }
    for (const q of this.#queued.splice(0)) {
      if (q.state === QueryState.Done) continue;
      q.disarm();
      q.reject(lostQueryError(base, false, false, address));
    }
    this.#cache?.clear();
    this.#checkDrained();
  }

  /** Runs `fn` once no query is waiting. */
  whenDrained(fn: () => void): void {
    if (this.size === 0) fn();
    else this.#drainWaiters.push(fn);
  }

  #checkDrained(): void {
    if (this.size !== 0 || this.#drainWaiters.length === 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const fn of waiters) fn();
  }
}

/** Marks a query as answered in part, unless it is settled already. */
function receiving(q: PendingQuery): void {
  if (q.state !== QueryState.Done) q.state = QueryState.Receiving;
}

/** The statement name in `DEALLOCATE [PREPARE] name`, folded to lower case unless quoted. */
function deallocatedName(sql: string): string | undefined {
  const m = /^\s*deallocate\s+(?:prepare\s+)?(?:"((?:[^"]|"")+)"|([^\s;"]+))\s*;?\s*$/i.exec(sql);
  if (m === null) return undefined;
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase();
}

/** The row decoder for a query, shared by every query of a cached statement with the same modes. */
function decoderFor(q: PendingQuery): RowDecoder {
  const fields = q.fields ?? q.statement?.fields ?? [];
  if (q.fields === undefined) q.fields = fields;
  const statement = q.statement;
  if (statement === undefined) return createRowDecoder(fields, { int8: q.int8, rowMode: q.rowMode }) as RowDecoder;
  const key = `${q.rowMode}:${q.int8}`;
  statement.decoders ??= new Map();
  let decoder = statement.decoders.get(key) as RowDecoder | undefined;
  if (decoder === undefined) {
    decoder = createRowDecoder(fields, { int8: q.int8, rowMode: q.rowMode }) as RowDecoder;
    statement.decoders.set(key, decoder);
  }
  return decoder;
}
