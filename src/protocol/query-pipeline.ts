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
import { ProtocolError, ServerError } from '../errors.js';
import { readDataRow } from './hot-replies.js';
import { keepRawRows, sameDecoding } from './row-reuse.js';
import { PendingQuery, QueryState, decoderFor, parseCommandTag, receiving } from './pending-query.js';
import type { FieldInfo } from './query-types.js';
import { deallocatedName, type StatementCache } from './statement-cache.js';
import { buildQueryMessage, keepPreparationOnly } from './query-message.js';
import { MAX_WINDOW_BYTES, MAX_WINDOW_STATEMENTS, cutWindows, writeWindows } from './sync-window.js';
import {
  droppedForNeighbourError, lostQueryError, sentDeadlineError, serverError, sessionEndedError, skippedQueryLostError, unsentDeadlineError,
} from './wire-errors.js';

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
 * The queries of one connection, from accepted to answered. Each query is Parse?/Bind/Execute; queries written
 * in the same tick share one Sync (a *window*, at most {@link MAX_WINDOW_STATEMENTS} statements or
 * {@link MAX_WINDOW_BYTES}) when Sync coalescing is on, else each has its own Sync. Replies arrive in the
 * order the queries were written; a CommandComplete moves on to the window's next query, and its
 * ReadyForQuery settles the whole window. Statements are prepared once and cached (LRU).
 *
 * Coalescing must give every caller the outcome one Sync per statement gives. On Picodata every Execute
 * autocommits, and after an error the server discards everything up to the next Sync: the failing query
 * gets its error, the ones before it stay applied, and the ones after it never ran (`Skipped`). Those are
 * written again, first, in a new window, with the same bytes (a Parse they carried never happened, so it
 * is sent again before any query that uses its statement). So that this keeps the callers' order, nothing
 * is written behind a window of several statements until its ReadyForQuery arrives.
 */
export class QueryPipeline {
  /** Sent and waiting for their window's ReadyForQuery, oldest first: replies arrive in this order. */
  readonly #inflight: PendingQuery[] = [];
  /** Index in `#inflight` of the query the next reply belongs to. */
  #cursor = 0;
  /** Index in `#inflight` of the query whose error made the server skip the rest of its window, or -1. */
  #failedAt = -1;
  /** A window of several statements is written and unanswered: nothing more is written until it is. */
  #windowOpen = false;
  #coalesce = false;
  /** How many queries at the head of `#queued` were put back (skipped or prepared anew) and not yet written. */
  #requeued = 0;
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

  /** Turns Sync coalescing on or off for the windows written from now on. */
  set syncCoalescing(on: boolean) {
    this.#coalesce = on;
  }

  get syncCoalescing(): boolean {
    return this.#coalesce;
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
    const queued = this.#queued;
    if (queued.length === 0 || this.#windowOpen) return;
    const { taken, open, bytes } = cutWindows(queued, this.#coalesce, this.#inflight);
    this.#windowOpen = open;
    if (taken === queued.length) queued.length = 0;
    else queued.splice(0, taken);
    this.#requeued = Math.max(0, this.#requeued - taken);
    this.#host.write(writeWindows(this.#inflight, taken, bytes));
  };

  /** Handles one backend message after startup. */
  handle(msg: BackendMessage): void {
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
        this.#onError(this.#inflight[this.#cursor], msg as DatabaseError);
        return;
      case 'dataRow':
        this.dataRow((msg as DataRowMessage).fields);
        return;
      case 'readyForQuery':
        this.readyForQuery();
        return;
      case 'commandComplete':
        this.commandComplete((msg as CommandCompleteMessage).text);
        return;
      case 'parseComplete':
        this.parseComplete();
        return;
      case 'bindComplete':
        this.bindComplete();
        return;
    }
    const q = this.#current(msg.name);
    if (q === undefined) return;
    switch (msg.name) {
      case 'emptyQuery':
        this.#nextInWindow(q);
        return;
      case 'rowDescription':
        this.#onRowDescription(q, (msg as RowDescriptionMessage).fields);
        return;
      case 'noData':
        if (q.statement !== undefined && q.parses) q.statement.fields = [];
        return;
      case 'parameterDescription':
        if (q.statement !== undefined && q.parses) q.statement.paramCount = (msg as ParameterDescriptionMessage).parameterCount;
        return;
      case 'closeComplete':
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

  /*
   * The replies every statement gets, as the connection reads them from the bytes (see `hot-replies.ts`);
   * `handle` routes the same messages here when pg-protocol parsed them.
   */

  parseComplete(): void {
    const q = this.#current('parseComplete');
    if (q === undefined) return;
    if (!q.parses) {
      this.#violation("sent 'parseComplete' for a query that sent no Parse");
      return;
    }
    q.parsed = true;
    receiving(q);
  }

  bindComplete(): void {
    const q = this.#current('bindComplete');
    if (q === undefined) return;
    q.bound = true;
    receiving(q);
  }

  dataRow(values: (string | null)[]): void {
    const q = this.#current('dataRow');
    if (q !== undefined) this.#onDataRow(q, values);
  }

  /** A DataRow whose body is `bytes[start..end)`, valid during the call only. */
  dataRowAt(bytes: Buffer, start: number, end: number): void {
    const q = this.#current('dataRow');
    if (q === undefined) return;
    if (q.raw === undefined) {
      this.#onDataRow(q, readDataRow(bytes, start, end));
      return;
    }
    const reuse = q.reuse;
    const index = q.rows.length;
    const earlier = reuse?.raw.bytes[index];
    if (earlier !== undefined && earlier.length === end - start && bytes.compare(earlier, 0, earlier.length, start, end) === 0 && q.error === undefined && this.#reusable(q)) {
      q.rows.push(reuse!.rows[index]);
    } else {
      this.#onDataRow(q, readDataRow(bytes, start, end));
      if (q.rows.length !== index + 1) return; // not kept (a decoding error, or a violation): no bytes either
    }
    q.raw.push(Buffer.from(bytes.subarray(start, end)));
  }

  /** The earlier result's rows fit this query (checked at its first DataRow; a misfit is forgotten). */
  #reusable(q: PendingQuery): boolean {
    const reuse = q.reuse!;
    if (q.rows.length > 0) return true;
    const fields = q.fields ?? q.statement?.fields;
    if (fields !== undefined && sameDecoding(reuse.raw, fields, q.rowMode, q.int8)) return true;
    q.reuse = undefined;
    return false;
  }

  commandComplete(tag: string): void {
    const q = this.#current('commandComplete');
    if (q === undefined) return;
    this.#onCommandComplete(q, tag);
    this.#nextInWindow(q);
  }

  readyForQuery(): void {
    if (this.#current('readyForQuery') !== undefined) this.#onReadyForQuery();
  }

  /** The query the next reply answers: the oldest one written. With none waiting, the server is out of step. */
  #current(reply: string): PendingQuery | undefined {
    const q = this.#inflight[this.#cursor];
    if (q === undefined) this.#violation(`sent '${reply}' with no query waiting for it`);
    return q;
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
      // The socket closes next: every query waiting gets the connection's error (see failAll).
      if (q !== undefined) {
        receiving(q);
        return;
      }
    }
    if (q !== undefined) {
      receiving(q);
      q.error ??= serverError(msg, address);
      if (this.#failedAt < 0) this.#skipRestOfWindow();
    } else {
      // An error with no query waiting (e.g. the server shutting down): the session is over.
      this.#host.destroy(sessionEndedError(msg, address));
    }
  }

  /** The current query's replies are complete: the next reply is the next query's, or the window's ReadyForQuery. */
  #nextInWindow(q: PendingQuery): void {
    if (!q.syncAfter) this.#cursor++;
  }

  /**
   * The current query failed: the server discards the rest of its window unexecuted (Picodata, and the
   * stand-in's gateway; PostgreSQL also rolls back the window's earlier statements, see `syncCoalescing`).
   */
  #skipRestOfWindow(): void {
    const inflight = this.#inflight;
    this.#failedAt = this.#cursor;
    for (let i = this.#cursor; !inflight[i]!.syncAfter; ) {
      const next = inflight[++i]!;
      if (next.state === QueryState.Sent) next.state = QueryState.Skipped;
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

  #onDataRow(q: PendingQuery, values: (string | null)[]): void {
    const fields = q.fields ?? q.statement?.fields;
    if (fields === undefined) {
      this.#violation('sent a DataRow before the RowDescription of its query');
      return;
    }
    if (values.length !== fields.length) {
      this.#violation(`sent a DataRow with ${values.length} values for a RowDescription of ${fields.length} columns`);
      return;
    }
    if (q.error !== undefined) return;
    let decoder = q.decoder;
    if (decoder === undefined) {
      decoder = decoderFor(q);
      q.decoder = decoder;
    }
    try {
      q.rows.push(decoder(values));
    } catch (error) {
      // A value that cannot be converted (e.g. int8 beyond 2^53 in number mode) fails this query only;
      // the rest of its rows are read and dropped so the connection stays in step.
      q.error = error as Error;
      q.rows.length = 0;
    }
  }

  /** Ends the oldest window: settles its queries, and writes the skipped ones (and retries) again first. */
  #onReadyForQuery(): void {
    const inflight = this.#inflight;
    let end = this.#cursor;
    while (end < inflight.length && !inflight[end]!.syncAfter) end++;
    if (end === inflight.length) {
      this.#violation("sent 'readyForQuery' in the middle of a pipeline window");
      return;
    }
    const failedAt = this.#failedAt;
    this.#cursor = 0;
    this.#failedAt = -1;
    const resend: PendingQuery[] = [];
    if (end === 0) {
      this.#settle(inflight.shift()!, resend);
    } else {
      this.#windowOpen = false;
      const window = inflight.splice(0, end + 1);
      for (let i = 0; i < window.length; i++) {
        if (failedAt >= 0 && i > failedAt) this.#unskip(window[i]!, resend);
        else this.#settle(window[i]!, resend);
      }
    }
    if (resend.length > 0) {
      // First in the queue, behind the ones other windows put back before this one, in their order.
      this.#queued.splice(this.#requeued, 0, ...resend);
      this.#requeued += resend.length;
    }
    if (this.#queued.length > 0 && !this.#flushScheduled && !this.#windowOpen) {
      this.#flushScheduled = true;
      // After this macrotask: the callers this window woke up add their next queries to the same window.
      setImmediate(this.#flush);
    }
    this.#checkDrained();
  }

  /** A query the server skipped goes back to the queue (its bytes unchanged), or fails without a round trip. */
  #unskip(q: PendingQuery, resend: PendingQuery[]): void {
    if (q.state === QueryState.Done) {
      // Withdrawn while skipped: only what it prepares for queries built after it is still sent.
      if (keepPreparationOnly(q)) resend.push(q);
      return;
    }
    const statement = q.statement;
    if (statement?.parseError !== undefined && !q.parses) {
      // Its statement's Parse failed earlier in the window: one Sync per statement would answer 26000 at
      // its Bind and report the Parse error; do so without writing it.
      q.disarm();
      q.reject(statement.parseError);
      return;
    }
    q.state = QueryState.Queued;
    resend.push(q);
  }

  #settle(q: PendingQuery, resend: PendingQuery[]): void {
    const statement = q.statement;
    if (statement !== undefined && q.parses && !q.parsed && q.error instanceof ServerError) {
      // The statement never came to exist on the server: forget it, and let queries pipelined behind it
      // report this error rather than "prepared statement does not exist".
      statement.parseError = q.error;
      this.#cache?.delete(statement);
    }
    // Settled already: withdrawn by a deadline while it still prepared a statement for others.
    if (q.state === QueryState.Done) return;
    const error = q.error;
    if (error === undefined) {
      q.disarm();
      const { command, rowCount } = parseCommandTag(q.commandTag);
      const result = { rows: q.rows, fields: q.fields ?? q.statement?.fields ?? [], command, rowCount };
      if (q.raw !== undefined) keepRawRows(result, { bytes: q.raw, fields: result.fields, rowMode: q.rowMode, int8: q.int8 });
      q.resolve(result);
    } else {
      this.#onQueryError(q, error, resend);
    }
  }

  /** A failed query: rejected, or (statement invalidated or deallocated) prepared anew and added to `resend`. */
  #onQueryError(q: PendingQuery, error: Error, resend: PendingQuery[]): void {
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
        resend.push(q);
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
      if (!keepPreparationOnly(q)) {
        const index = this.#queued.indexOf(q);
        if (index >= 0) {
          this.#queued.splice(index, 1);
          if (index < this.#requeued) this.#requeued--;
        }
      }
      q.disarm();
      q.reject(unsentDeadlineError(kind, ms, address, q.signal?.reason));
      this.#checkDrained();
      return;
    }
    if (q.state === QueryState.Skipped) {
      // The server discarded it unexecuted; it waits for its window's ReadyForQuery to be written again.
      q.disarm();
      q.reject(skippedQueryLostError(kind, ms, address, q.signal?.reason));
      this.#checkDrained();
      return;
    }
    q.disarm();
    q.reject(sentDeadlineError(kind, ms, q.state === QueryState.Receiving ? 'result' : 'sent', address, q.signal?.reason));
    this.#host.destroy(droppedForNeighbourError(kind, ms, address));
  }

  /** The socket is gone: every query still waiting fails, and the statement cache is forgotten. */
  failAll(base: Error): void {
    const address = this.#host.address;
    this.#cursor = 0;
    this.#failedAt = -1;
    this.#windowOpen = false;
    for (const q of this.#inflight.splice(0)) {
      if (q.state === QueryState.Done) continue;
      const state = q.state;
      q.disarm();
      if (state === QueryState.Skipped) q.reject(lostQueryError(base, false, false, address, true));
      else if (q.error instanceof ServerError) q.reject(q.error); // it failed on the server: that is its outcome
      else q.reject(lostQueryError(base, true, state === QueryState.Receiving, address));
    }
    this.#requeued = 0;
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
