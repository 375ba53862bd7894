/**
 * src/protocol: one session to one Picodata instance over its PostgreSQL protocol (pgproto), and nothing
 * of pools, balancing or clusters: those live above it and talk to a {@link Connection}.
 * - startup: `startup.ts` (StartupMessage, authentication, first ReadyForQuery), `open-socket.ts` (TCP,
 *   SSLRequest/TLS), `scram.ts`, `md5-password.ts`;
 * - queries: `query-args.ts` (checks a caller's arguments before anything is queued), `query-message.ts`
 *   (builds a query's messages), `query-pipeline.ts` (pipelined queries and their replies),
 *   `statement-cache.ts`, `pending-query.ts`, `query-methods.ts` (execute/fetch/... on top of query());
 * - reading: `message-framer.ts` (whole messages, bounded by maxMessageSize), `hot-replies.ts` (the
 *   replies every statement gets, read without a parser), `wire-errors.ts`.
 * Rule of the folder: one caller's bad argument and one server's bad bytes stay contained; the first
 * rejects that call only, the second ends that connection only, with typed errors.
 */
import { EventEmitter } from 'node:events';
import { inspect, type InspectOptionsStylized } from 'node:util';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, NoticeMessage } from 'pg-protocol/dist/messages.js';
import { AbortError, ConfigError, ConnectionError, ProtocolError, TimeoutError, type ParameterError } from '../errors.js';
import { describeType, encodeParams } from '../types/encode-param.js';
import { resolveConnectionOptions, type ConnectionOptions, type ResolvedConnectionOptions } from '../config/connection-options.js';
import { MessageFramer } from './message-framer.js';
import { PromiseSink, type QuerySink } from './query-sink.js';
import { BIND_COMPLETE, BODY, COMMAND_COMPLETE, DATA_ROW, PARSE_COMPLETE, READY_FOR_QUERY, readCommandTag } from './hot-replies.js';
import { REUSE_ROWS_FROM, rawRowsOf, type ReuseRowsOptions } from './row-reuse.js';
import { openSocket, type WireSocket } from './open-socket.js';
import { PendingQuery } from './pending-query.js';
import { MAX_TIMEOUT_MS, validateQueryArgs } from './query-args.js';
import { withQueryMethods } from './query-methods.js';
import { QueryPipeline } from './query-pipeline.js';
import type { QueryOptions, QueryParams, QueryResult } from './query-types.js';
import { StartupHandshake, connectDeadline, startupMessage } from './startup.js';
import { StatementCache, type PreparedStatement } from './statement-cache.js';
import { MALFORMED, readQueryMetadata } from './query-metadata.js';
import { connectChannel, traceConnect, type ConnectTraceContext } from '../tracing/connect-channel.js';
import type { InstanceRef } from '../cluster/instance-ref.js';

const TERMINATE = serialize.end();

/** Set by {@link Connection}'s static block: a query whose arguments the caller has already checked. */
let queryChecked: <Row>(conn: Connection, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined) => Promise<QueryResult<Row>>;

/**
 * `conn.query()` without checking the arguments again: for a layer above (the cluster pool) that ran
 * `validateQueryArgs` on exactly these arguments before routing them, so a statement is checked once.
 */
export function queryPrechecked<Row>(conn: Connection, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined): Promise<QueryResult<Row>> {
  // A `query` replaced on the object (a wrapper put on in a `setup` hook) still sees every statement.
  if (conn.query !== QUERY) return conn.query<Row>(sql, params, options);
  return queryChecked<Row>(conn, sql, params, options);
}

let startChecked: (conn: Connection, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, sink: QuerySink) => void;

/**
 * {@link queryPrechecked} with the outcome going to `sink` rather than to a promise. Throws when the
 * connection refuses the query at once (not ready, aborted, a parameter that cannot be sent): nothing was
 * queued then, and `sink` is never called.
 */
export function startPrechecked(conn: Connection, sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, sink: QuerySink): void {
  if (conn.query !== QUERY) {
    conn.query(sql, params, options).then((result) => sink.ok(result), (error: unknown) => sink.fail(error as Error));
    return;
  }
  startChecked(conn, sql, params, options, sink);
}

/** A notice (warning or information) the server sent; Picodata sends one for an unknown `options` name. */
export interface Notice {
  /** `WARNING`, `NOTICE`, `INFO`, ... as the server sent it. */
  severity: string | undefined;
  /** The SQLSTATE, when the server sent one. */
  code: string | undefined;
  /** The notice's text. */
  message: string;
}

/** The events a {@link Connection} emits, with their payloads. */
export interface ConnectionEvents {
  /** Once, when the socket is gone: the error that ended the session, or `undefined` after `close()`. */
  close: [error: Error | undefined];
  /** A NoticeResponse from the server. */
  notice: [notice: Notice];
}

type Lifecycle = 'connecting' | 'ready' | 'closing' | 'closed';

/**
 * One session to one Picodata instance over its PostgreSQL protocol.
 *
 * Queries are pipelined: many callers may query one connection at once. Queries written in the same tick
 * share one Sync on Picodata (see `syncCoalescing`); an error still stays with its own query. Statements are prepared once per
 * connection and cached (LRU); evicted ones are closed on the server.
 *
 * Nothing is sent behind the caller's back: the StartupMessage carries `user`, `database`,
 * `client_encoding` and, when configured, Picodata's `options`; no catalog query, SET or BEGIN, ever.
 *
 * Events ({@link ConnectionEvents}): `close` once, when the socket is gone; `notice`. No `error` event:
 * failures reach the callers whose queries they affect.
 *
 * @example
 * ```ts
 * const conn = await Connection.connect({ host: '127.0.0.1', port: 4327, user: 'app', password: 'Secret123' });
 * const rows = await conn.fetch('SELECT id, name FROM users WHERE id > $1', [10]);
 * await conn.close();
 * ```
 */
export class Connection extends withQueryMethods<QueryOptions, typeof EventEmitter<ConnectionEvents>>(EventEmitter<ConnectionEvents>) {
  /** `host:port` of the instance this connection talks to. */
  readonly address: string;
  /** ParameterStatus values the server reported (Picodata: `server_version=15.0`, `TimeZone=UTC`, ...). */
  readonly parameters = new Map<string, string>();

  readonly #options: ResolvedConnectionOptions;
  #socket: WireSocket | undefined;
  #parser: Parser | undefined = new Parser();
  readonly #framer: MessageFramer;
  #lifecycle: Lifecycle = 'connecting';
  readonly #pipeline: QueryPipeline;
  #closeError: Error | undefined;
  #closedPromise: Promise<void> | undefined;
  #startup: StartupHandshake | undefined;

  private constructor(options: ResolvedConnectionOptions) {
    super();
    this.#options = options;
    this.address = `${options.host}:${options.port}`;
    this.#framer = new MessageFramer(options.maxMessageSize, this.address);
    const cache = options.statementCacheSize > 0 ? new StatementCache(options.statementCacheSize) : undefined;
    this.#pipeline = new QueryPipeline({
      address: this.address,
      write: (buffer) => this.#socket?.write(buffer),
      destroy: (error) => this.destroy(error),
      isReady: () => this.#lifecycle === 'ready',
      sessionEnding: (error) => {
        this.#closeError ??= error;
      },
      notice: (msg) => this.#onNotice(msg),
      recordParameter: (name, value) => this.parameters.set(name, value),
    }, cache);
  }

  /**
   * Opens a connection. One deadline (`connectTimeout`) covers TCP, TLS, authentication and the first
   * ReadyForQuery: Picodata accepts TCP before an instance is Online but holds the handshake until then.
   * The opening is traced on the `picots:connect` channel; `instance`, when given, names the instance in
   * its payload (the cluster pool passes it).
   */
  static async connect(options: ConnectionOptions, instance?: InstanceRef): Promise<Connection> {
    const resolved = resolveConnectionOptions(options);
    const conn = new Connection(resolved);
    // Without a subscriber, tracing costs this one check.
    if (connectChannel.hasSubscribers) return traceConnect(resolved, instance, (ctx) => conn.#open(ctx).then(() => conn));
    await conn.#open(undefined);
    return conn;
  }

  /** Queries accepted and not yet answered (the balancers' load signal). */
  get inFlight(): number {
    return this.#pipeline.size;
  }

  /** True while the connection can take queries. */
  isReady(): boolean {
    return this.#lifecycle === 'ready';
  }

  /** True once the socket is gone, after `close()`, `destroy()` or a failure. */
  isClosed(): boolean {
    return this.#lifecycle === 'closed';
  }

  /** Whether statements written in the same tick share one Sync (decided at startup; see `syncCoalescing`). */
  get syncCoalescing(): boolean {
    return this.#pipeline.syncCoalescing;
  }

  /** Named statements currently prepared on the server by this connection. */
  get preparedStatementCount(): number {
    return this.#pipeline.preparedStatementCount;
  }

  /**
   * What `util.inspect()` and `console.log()` show: the address, the state and the queries in flight, never
   * the options (they hold the password).
   */
  [inspect.custom](depth: number, options: InspectOptionsStylized, nested: typeof inspect): string {
    const summary = { address: this.address, state: this.#lifecycle, inFlight: this.inFlight };
    return depth < 0 ? options.stylize('[Connection]', 'special') : `Connection ${nested(summary, options)}`;
  }

  /**
   * Runs one statement. Arguments are checked and the message is built before the query is queued: a bad
   * argument rejects this call only, with a {@link ConfigError} or {@link ParameterError}, and nothing is
   * sent. Never throws synchronously.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    return this.#query<Row>(sql, params, options, true);
  }

  static {
    queryChecked = (conn, sql, params, options) => conn.#query(sql, params, options, false);
    startChecked = (conn, sql, params, options, sink) => conn.#start(sql, params, options, false, sink);
  }

  #query<Row>(sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, check: boolean): Promise<QueryResult<Row>> {
    return new Promise<QueryResult<unknown>>((resolve, reject) => this.#start(sql, params, options, check, new PromiseSink(resolve, reject))) as Promise<QueryResult<Row>>;
  }

  /** Accepts a query whose outcome goes to `sink`; throws, with nothing queued and `sink` not called, when it cannot. */
  #start(sql: string, params: QueryParams | undefined, options: QueryOptions | undefined, check: boolean, sink: QuerySink): void {
    if (check) validateQueryArgs(sql, params, options);
    if (this.#lifecycle !== 'ready') throw this.#notReadyError();
    const signal = options?.signal;
    if (signal?.aborted) {
      throw new AbortError('the query was aborted before it was sent', { phase: 'acquire', mayHaveReachedServer: false, instance: this.address, cause: signal.reason });
    }
    const timeout = options?.timeout;
    if (timeout === 0) {
      throw new TimeoutError('query timed out after 0 ms before it was sent', { phase: 'acquire', mayHaveReachedServer: false, instance: this.address });
    }
    const o = this.#options;
    const q = new PendingQuery(
      sql,
      params === undefined || params.length === 0 ? [] : encodeParams(params),
      options?.rowMode ?? o.rowMode,
      options?.int8 ?? o.int8,
      options?.prepare ?? true,
      signal,
      sink,
    );
    if (options !== undefined) {
      const earlier = (options as ReuseRowsOptions)[REUSE_ROWS_FROM];
      if (earlier !== undefined) {
        q.raw = [];
        const raw = earlier === null ? undefined : rawRowsOf(earlier);
        if (raw !== undefined) q.reuse = { rows: earlier!.rows, raw };
      }
    }
    this.#pipeline.add(q);
    if (signal !== undefined) {
      q.abortListener = () => this.#pipeline.onDeadline(q, 'abort');
      signal.addEventListener('abort', q.abortListener, { once: true });
    }
    if (timeout !== undefined && timeout !== Infinity) {
      q.timer = setTimeout(() => this.#pipeline.onDeadline(q, 'timeout', timeout), timeout);
    }
  }

  /**
   * Closes gracefully: takes no new queries, lets the ones in flight finish, sends Terminate and resolves
   * once the socket is closed. After `timeout` ms (default 5000) the socket is destroyed instead.
   */
  close(timeout = 5_000): Promise<void> {
    if (typeof timeout !== 'number' || !((timeout >= 0 && timeout <= MAX_TIMEOUT_MS) || timeout === Infinity)) {
      return Promise.reject(new ConfigError('timeout', `close() takes a number of milliseconds from 0 to ${MAX_TIMEOUT_MS}, or Infinity, got ${typeof timeout === 'number' ? String(timeout) : describeType(timeout)}`));
    }
    if (this.#closedPromise !== undefined) return this.#closedPromise;
    if (this.#lifecycle === 'closed' || this.#socket === undefined) {
      this.#lifecycle = 'closed';
      this.#closedPromise = Promise.resolve();
      return this.#closedPromise;
    }
    this.#lifecycle = 'closing';
    const socket = this.#socket;
    this.#closedPromise = new Promise<void>((resolve) => {
      const timer = timeout === Infinity ? undefined : setTimeout(() => this.destroy(new ConnectionError('close timed out; the connection was destroyed', { phase: 'sent', mayHaveReachedServer: true, instance: this.address })), timeout);
      timer?.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#pipeline.whenDrained(() => {
        if (!socket.destroyed) socket.end(TERMINATE);
      });
    });
    return this.#closedPromise;
  }

  /** Closes at once. Queries in flight fail with a ConnectionError that says their outcome is unknown. */
  destroy(reason?: Error): void {
    if (this.#lifecycle === 'closed') return;
    this.#closeError ??= reason ?? new ConnectionError('the connection was destroyed', { phase: 'sent', mayHaveReachedServer: true, instance: this.address });
    this.#socket?.destroy();
    this.#onSocketClosed();
  }

  async #open(trace: ConnectTraceContext | undefined): Promise<void> {
    const o = this.#options;
    const deadline = connectDeadline(o, this.address);
    // Kept for the trace: whether a failure came after the server accepted the credentials.
    let handshake: StartupHandshake | undefined;
    try {
      const socket = await openSocket(o, o.tls, deadline.signal, this.#onData, trace === undefined ? undefined : () => (trace.phase = 'tls'));
      this.#socket = socket;
      if (trace !== undefined) trace.phase = 'authentication';
      const startup = new StartupHandshake({
        address: this.address,
        send: (buffer) => this.#socket?.write(buffer),
        recordParameter: (name, value) => this.parameters.set(name, value),
        destroy: (error) => this.destroy(error),
        ready: () => {
          this.#startup = undefined;
          this.#lifecycle = 'ready';
          // 'auto': Picodata semantics (each Execute autocommits, no rollback of a window) where no
          // BackendKeyData came, as from Picodata; PostgreSQL would roll a failed window back.
          this.#pipeline.syncCoalescing = o.syncCoalescing === 'auto' ? !startup.sentBackendKeyData : o.syncCoalescing;
        },
      }, o);
      this.#startup = handshake = startup;
      const onAbort = (): void => {
        socket.destroy();
        startup.fail(deadline.signal.reason as Error);
      };
      deadline.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (error: Error) => this.#onSocketError(error));
      socket.on('close', () => this.#onSocketClosed());
      socket.write(startupMessage(o));
      await startup.done;
      // Replies that came right behind the first ReadyForQuery may already have ended the session.
      if (this.#lifecycle === 'closed') throw this.#closeError ?? new ConnectionError('the server closed the connection', { phase: 'connect', mayHaveReachedServer: false, instance: this.address });
      if (trace !== undefined) trace.phase = 'done';
    } catch (error) {
      if (trace !== undefined && handshake?.authenticated === true) trace.phase = 'ready';
      this.#startup = undefined;
      this.#lifecycle = 'closed';
      this.#socket?.destroy();
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#lifecycle === 'closed') return;
    try {
      this.#framer.push(chunk, this.#onMessages);
    } catch (error) {
      // Bytes that are not the protocol (a wrong port, a broken proxy, a hostile server): nothing on this
      // socket can be trusted any more.
      this.destroy(error instanceof ProtocolError ? error : new ProtocolError(`cannot parse what ${this.address} sent: ${String((error as Error).message)}`));
    }
  };

  readonly #onMessages = (messages: Buffer): void => {
    // After a protocol violation inside this run, the rest of it is not read.
    if (this.#lifecycle === 'closed') return;
    if (this.#startup !== undefined) {
      this.#parser?.parse(messages, this.#onMessage);
      return;
    }
    const pipeline = this.#pipeline;
    const end = messages.length;
    let at = 0;
    // The framer passes whole messages only, so every header and body here is complete. A reply can close
    // the connection (a protocol violation): then the rest is not read.
    while (at < end && (this.#lifecycle as Lifecycle) !== 'closed') {
      const type = messages[at]!;
      const next = at + 1 + messages.readUInt32BE(at + 1);
      switch (type) {
        case BIND_COMPLETE:
          pipeline.bindComplete();
          break;
        case DATA_ROW:
          pipeline.dataRowAt(messages, at + BODY, next);
          break;
        case COMMAND_COMPLETE:
          pipeline.commandComplete(readCommandTag(messages, at + BODY, next));
          break;
        case READY_FOR_QUERY:
          pipeline.readyForQuery();
          break;
        case PARSE_COMPLETE:
          pipeline.parseComplete();
          break;
        default:
          this.#parser?.parse(at === 0 && next === end ? messages : messages.subarray(at, next), this.#onMessage);
      }
      at = next;
    }
  };

  readonly #onMessage = (msg: BackendMessage): void => {
    if (this.#lifecycle === 'closed') return;
    if (this.#startup !== undefined) this.#startup.handle(msg);
    else this.#pipeline.handle(msg);
  };

  #onNotice(msg: NoticeMessage): void {
    // Picodata's query metadata is protocol, not news for the user: cached for the pool, never emitted.
    const metadata = msg.code === '00000' ? readQueryMetadata(msg.message) : undefined;
    if (metadata !== undefined) {
      if (metadata !== MALFORMED) this.#options.metadataCache?.record(metadata);
      return;
    }
    if (this.listenerCount('notice') === 0) return;
    this.emit('notice', { severity: msg.severity, code: msg.code, message: msg.message ?? '' });
  }

  #onSocketError(error: Error): void {
    this.#closeError ??= new ConnectionError(`connection lost: ${error.message}`, { phase: 'sent', mayHaveReachedServer: true, instance: this.address, cause: error });
  }

  #onSocketClosed(): void {
    if (this.#lifecycle === 'closed') return;
    const wasClosing = this.#lifecycle === 'closing';
    this.#lifecycle = 'closed';
    const base = this.#closeError ?? new ConnectionError(wasClosing ? 'the connection was closed' : 'the server closed the connection', { phase: 'sent', mayHaveReachedServer: true, instance: this.address });
    // A dead connection keeps no bytes from the server: a user who holds on to it holds little.
    this.#framer.reset();
    this.#parser = undefined;
    this.#startup?.fail(base);
    this.#pipeline.failAll(base);
    this.emit('close', this.#closeError);
  }

  #notReadyError(): ConnectionError {
    const state = this.#lifecycle === 'closing' ? 'is closing' : this.#lifecycle === 'connecting' ? 'is not connected yet' : 'is closed';
    return new ConnectionError(`the connection ${state}`, { phase: 'acquire', mayHaveReachedServer: false, instance: this.address, cause: this.#closeError });
  }
}

const QUERY = Connection.prototype.query;

export type { ConnectionOptions } from '../config/connection-options.js';
export type { PreparedStatement };
