import type net from 'node:net';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type {
  AuthenticationMD5Password,
  BackendMessage,
  CommandCompleteMessage,
  DataRowMessage,
  DatabaseError,
  NoticeMessage,
  ParameterStatusMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages.js';
import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  PicotsError,
  ProtocolError,
  ServerError,
  TimeoutError,
} from '../errors.js';
import { EventEmitter } from 'node:events';
import { withQueryMethods } from './query-methods.js';
import { createRowDecoder } from '../types/row-decoder.js';
import { encodeParams } from '../types/encode-param.js';
import { md5PasswordMessage } from './md5-password.js';
import { openSocket, type WireSocket } from './open-socket.js';
import { PendingQuery, QueryState, parseCommandTag, type RowDecoder } from './pending-query.js';
import type { FieldInfo, QueryOptions, QueryParams, QueryResult } from './query-types.js';
import { SCRAM_MECHANISM, ScramSession } from './scram.js';
import { StatementCache, type PreparedStatement } from './statement-cache.js';
import { resolveConnectionOptions, type ConnectionOptions, type ResolvedConnectionOptions } from '../config/connection-options.js';

const EXECUTE_SYNC = Buffer.concat([serialize.execute(), serialize.sync()]);
const DESCRIBE_PORTAL = serialize.describe({ type: 'P' });
const TERMINATE = serialize.end();

/** A notice (warning or information) the server sent; Picodata sends one for an unknown `options` name. */
export interface Notice {
  severity: string | undefined;
  code: string | undefined;
  message: string;
}

type Lifecycle = 'connecting' | 'ready' | 'closing' | 'closed';

/**
 * One session to one Picodata instance over its PostgreSQL protocol.
 *
 * Queries are pipelined: many callers may query one connection at once; each query is its own
 * Parse?/Bind/Execute/Sync so an error stays with its own query. Statements are prepared once per
 * connection and cached (LRU); evicted ones are closed on the server.
 *
 * Nothing is sent behind the caller's back: the StartupMessage carries `user`, `database`,
 * `client_encoding` and, when configured, Picodata's `options`; no catalog query, SET or BEGIN, ever.
 *
 * Events: `close` (error or undefined) once, when the socket is gone; `notice` (Notice). No `error` event:
 * failures reach the callers whose queries they affect.
 *
 * @example
 * ```ts
 * const conn = await Connection.connect({ host: '127.0.0.1', port: 4327, user: 'app', password: 'Secret123' });
 * const rows = await conn.fetch('SELECT id, name FROM users WHERE id > $1', [10]);
 * await conn.close();
 * ```
 */
export class Connection extends withQueryMethods<QueryOptions, typeof EventEmitter>(EventEmitter) {
  /** `host:port` of the instance this connection talks to. */
  readonly address: string;
  /** ParameterStatus values the server reported (Picodata: `server_version=15.0`, `TimeZone=UTC`, ...). */
  readonly parameters = new Map<string, string>();
  /** Set by whoever owns the connection (the pool stores its instance record here). */
  tag: unknown = undefined;

  private readonly options: ResolvedConnectionOptions;
  private socket: WireSocket | undefined;
  private readonly parser = new Parser();
  private lifecycle: Lifecycle = 'connecting';
  /** Sent and waiting for their ReadyForQuery, oldest first: replies arrive in this order. */
  private readonly inflight: PendingQuery[] = [];
  /** Accepted and not yet written; written together on the next tick so one write carries many queries. */
  private readonly queued: PendingQuery[] = [];
  private flushScheduled = false;
  private readonly cache: StatementCache | undefined;
  private closeError: Error | undefined;
  private closedPromise: Promise<void> | undefined;
  private drainWaiters: Array<() => void> = [];
  private startup: StartupHandshake | undefined;

  private constructor(options: ResolvedConnectionOptions) {
    super();
    this.options = options;
    this.address = `${options.host}:${options.port}`;
    this.cache = options.statementCacheSize > 0 ? new StatementCache(options.statementCacheSize) : undefined;
  }

  /**
   * Opens a connection. One deadline (`connectTimeout`) covers TCP, TLS, authentication and the first
   * ReadyForQuery: Picodata accepts TCP before an instance is Online but holds the handshake until then.
   */
  static async connect(options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(resolveConnectionOptions(options));
    await conn.open();
    return conn;
  }

  /** Queries accepted and not yet answered (the balancers' load signal). */
  get inFlight(): number {
    return this.inflight.length + this.queued.length;
  }

  /** True while the connection can take queries. */
  isReady(): boolean {
    return this.lifecycle === 'ready';
  }

  /** True once the socket is gone, after `close()`, `destroy()` or a failure. */
  isClosed(): boolean {
    return this.lifecycle === 'closed';
  }

  /** Named statements currently prepared on the server by this connection. */
  get preparedStatementCount(): number {
    return this.cache?.size ?? 0;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<Row>> {
    return new Promise<QueryResult<unknown>>((resolve, reject) => {
      if (this.lifecycle !== 'ready') {
        reject(this.notReadyError());
        return;
      }
      let encoded: (string | null)[];
      try {
        encoded = params === undefined || params.length === 0 ? [] : encodeParams(params);
      } catch (error) {
        reject(error as Error);
        return;
      }
      const o = this.options;
      const q = new PendingQuery(
        sql,
        encoded,
        options?.rowMode ?? o.rowMode,
        options?.int8 ?? o.int8,
        options?.prepare ?? true,
        options?.signal,
        resolve,
        reject,
      );
      if (options !== undefined) {
        if (options.signal !== undefined) {
          if (options.signal.aborted) {
            reject(new AbortError('the query was aborted before it was sent', { phase: 'acquire', mayHaveReachedServer: false, instance: this.address, cause: options.signal.reason }));
            return;
          }
          q.abortListener = () => this.onQueryDeadline(q, 'abort');
          options.signal.addEventListener('abort', q.abortListener, { once: true });
        }
        if (options.timeout !== undefined && options.timeout !== Infinity) {
          q.timer = setTimeout(() => this.onQueryDeadline(q, 'timeout', options.timeout), options.timeout);
        }
      }
      this.enqueue(q);
    }) as Promise<QueryResult<Row>>;
  }

  /**
   * Closes gracefully: takes no new queries, lets the ones in flight finish, sends Terminate and resolves
   * once the socket is closed. After `timeout` ms (default 5000) the socket is destroyed instead.
   */
  close(timeout = 5_000): Promise<void> {
    if (this.closedPromise !== undefined) return this.closedPromise;
    if (this.lifecycle === 'closed' || this.socket === undefined) {
      this.lifecycle = 'closed';
      this.closedPromise = Promise.resolve();
      return this.closedPromise;
    }
    this.lifecycle = 'closing';
    const socket = this.socket;
    this.closedPromise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.destroy(new ConnectionError('close timed out; the connection was destroyed', { phase: 'sent', mayHaveReachedServer: true, instance: this.address })), timeout);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.whenDrained(() => {
        if (!socket.destroyed) socket.end(TERMINATE);
      });
    });
    return this.closedPromise;
  }

  /** Closes at once. Queries in flight fail with a ConnectionError that says their outcome is unknown. */
  destroy(reason?: Error): void {
    if (this.lifecycle === 'closed') return;
    this.closeError ??= reason ?? new ConnectionError('the connection was destroyed', { phase: 'sent', mayHaveReachedServer: true, instance: this.address });
    this.socket?.destroy();
    this.onSocketClosed();
  }

  // ---------------------------------------------------------------------------------------------------
  // Connecting

  private async open(): Promise<void> {
    const o = this.options;
    const deadline = new AbortController();
    const timer = o.connectTimeout === Infinity ? undefined : setTimeout(() => {
      deadline.abort(new TimeoutError(
        `connect timed out after ${o.connectTimeout} ms (TCP, TLS, authentication and the first ReadyForQuery must finish within connectTimeout)`,
        { phase: 'connect', mayHaveReachedServer: false, instance: this.address },
      ));
    }, o.connectTimeout);
    const onUserAbort = (): void => {
      deadline.abort(new AbortError('connect was aborted', { phase: 'connect', mayHaveReachedServer: false, instance: this.address, cause: o.signal?.reason }));
    };
    o.signal?.addEventListener('abort', onUserAbort, { once: true });
    if (o.signal?.aborted) onUserAbort();
    try {
      const socket = await openSocket(o, o.tls, deadline.signal);
      this.socket = socket;
      await new Promise<void>((resolve, reject) => {
        this.startup = new StartupHandshake(this, o, resolve, reject);
        const onAbort = (): void => {
          socket.destroy();
          reject(deadline.signal.reason);
        };
        deadline.signal.addEventListener('abort', onAbort, { once: true });
        socket.on('data', this.onData);
        socket.on('error', (error: Error) => this.onSocketError(error));
        socket.on('close', () => this.onSocketClosed());
        socket.write(serialize.startup(o.startupParameters));
      });
      this.startup = undefined;
      this.lifecycle = 'ready';
    } catch (error) {
      this.startup = undefined;
      this.lifecycle = 'closed';
      this.socket?.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onUserAbort);
    }
  }

  /** @internal Used by the startup handshake to write one message. */
  send(buffer: Buffer): void {
    this.socket?.write(buffer);
  }

  /** @internal */
  recordParameter(name: string, value: string): void {
    this.parameters.set(name, value);
  }

  // ---------------------------------------------------------------------------------------------------
  // Sending

  private enqueue(q: PendingQuery): void {
    this.queued.push(q);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // nextTick runs after the promise continuations already queued, so callers woken by the same
      // batch of replies share one write.
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const socket = this.socket;
    if (this.queued.length === 0 || socket === undefined || this.lifecycle === 'closed') return;
    const out: Buffer[] = [];
    for (let i = 0; i < this.queued.length; i++) {
      const q = this.queued[i]!;
      this.serializeQuery(q, out);
      q.state = QueryState.Sent;
      this.inflight.push(q);
    }
    this.queued.length = 0;
    socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  };

  private serializeQuery(q: PendingQuery, out: Buffer[]): void {
    const cache = this.cache;
    if (cache !== undefined && q.prepare) {
      let statement = cache.get(q.sql);
      if (statement === undefined) {
        const added = cache.add(q.sql);
        statement = added.statement;
        if (added.evicted !== undefined) out.push(serialize.close({ type: 'S', name: added.evicted.name }));
        out.push(serialize.parse({ name: statement.name, text: q.sql }), serialize.describe({ type: 'S', name: statement.name }));
        q.parses = true;
      }
      q.statement = statement;
      out.push(serialize.bind({ statement: statement.name, values: q.params }), EXECUTE_SYNC);
    } else {
      q.parses = true;
      out.push(serialize.parse({ text: q.sql }), serialize.bind({ values: q.params }), DESCRIBE_PORTAL, EXECUTE_SYNC);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Receiving

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.parser.parse(chunk, this.onMessage);
    } catch (error) {
      // Bytes that are not the protocol (a wrong port, a broken proxy): nothing on this socket can be trusted.
      this.destroy(new ProtocolError(`cannot parse what ${this.address} sent: ${(error as Error).message}`));
    }
  };

  private readonly onMessage = (msg: BackendMessage): void => {
    if (this.startup !== undefined) {
      this.startup.handle(msg);
      return;
    }
    const q = this.inflight[0];
    switch (msg.name) {
      case 'dataRow':
        if (q !== undefined) this.onDataRow(q, msg as DataRowMessage);
        return;
      case 'readyForQuery':
        if (q !== undefined) this.onReadyForQuery(q);
        return;
      case 'commandComplete':
        if (q !== undefined) q.commandTag = (msg as CommandCompleteMessage).text;
        return;
      case 'rowDescription':
        if (q !== undefined) this.onRowDescription(q, (msg as RowDescriptionMessage).fields);
        return;
      case 'noData':
        if (q !== undefined && q.statement !== undefined && q.parses) q.statement.fields = [];
        return;
      case 'parseComplete':
        if (q !== undefined) {
          q.parsed = true;
          q.state = QueryState.Receiving;
        }
        return;
      case 'bindComplete':
        if (q !== undefined) q.state = QueryState.Receiving;
        return;
      case 'parameterDescription':
      case 'closeComplete':
      case 'emptyQuery':
      case 'portalSuspended':
      case 'notification':
      case 'copyData':
      case 'copyDone':
      case 'copyOutResponse':
        return;
      case 'copyInResponse':
        // Picodata has no COPY; on PostgreSQL, refuse it so the connection stays usable.
        this.socket?.write(serialize.copyFail('picots does not support COPY FROM STDIN'));
        return;
      case 'error':
        if ((msg as DatabaseError).severity === 'FATAL' || (msg as DatabaseError).severity === 'PANIC') {
          // The server is ending the session (shutdown, terminated backend): this is why the socket closes.
          this.closeError ??= this.connectionErrorFromServer(msg as DatabaseError);
        }
        if (q !== undefined) {
          q.state = QueryState.Receiving;
          q.error ??= this.serverError(msg as DatabaseError);
        } else {
          // An error with no query waiting (e.g. the server shutting down): the session is over.
          this.destroy(this.connectionErrorFromServer(msg as DatabaseError));
        }
        return;
      case 'notice':
        this.onNotice(msg as NoticeMessage);
        return;
      case 'parameterStatus': {
        const p = msg as ParameterStatusMessage;
        this.parameters.set(p.parameterName, p.parameterValue);
        return;
      }
      default:
        this.destroy(new ProtocolError(`unexpected message '${msg.name}' from ${this.address}`));
    }
  };

  private onRowDescription(q: PendingQuery, fields: FieldInfo[]): void {
    q.fields = fields;
    if (q.statement !== undefined && q.parses) q.statement.fields = fields;
  }

  private onDataRow(q: PendingQuery, msg: DataRowMessage): void {
    if (q.error !== undefined) return;
    let decoder = q.decoder;
    if (decoder === undefined) {
      decoder = this.decoderFor(q);
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

  private decoderFor(q: PendingQuery): RowDecoder {
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

  private onReadyForQuery(q: PendingQuery): void {
    this.inflight.shift();
    if (q.state === QueryState.Done) {
      // Already settled by a deadline: only possible while the connection is being destroyed.
      this.checkDrained();
      return;
    }
    const error = q.error;
    if (error === undefined) {
      q.disarm();
      const { command, rowCount } = parseCommandTag(q.commandTag);
      q.resolve({ rows: q.rows, fields: q.fields ?? q.statement?.fields ?? [], command, rowCount });
    } else {
      this.onQueryError(q, error);
    }
    this.checkDrained();
  }

  private onQueryError(q: PendingQuery, error: Error): void {
    const statement = q.statement;
    if (statement !== undefined && error instanceof ServerError) {
      if (q.parses && !q.parsed) {
        // The statement never came to exist on the server: forget it, and let queries pipelined behind it
        // report this error rather than "prepared statement does not exist".
        statement.parseError = error;
        this.cache?.delete(statement);
      } else if (error.code === '26000' && statement.parseError !== undefined) {
        q.disarm();
        q.reject(statement.parseError);
        return;
      } else if (error.code === '42999' && !q.reprepared && this.lifecycle === 'ready') {
        // Picodata invalidated the statement (DDL, with pico_stmt_invalidation): Close it, prepare anew,
        // and run the query once more. The failed Bind executed nothing, so this is safe.
        if (this.cache?.delete(statement)) this.socket?.write(serialize.close({ type: 'S', name: statement.name }));
        this.resetForRetry(q);
        this.enqueue(q);
        return;
      }
    }
    q.disarm();
    q.reject(error);
  }

  private resetForRetry(q: PendingQuery): void {
    q.reprepared = true;
    q.state = QueryState.Queued;
    q.statement = undefined;
    q.parses = false;
    q.parsed = false;
    q.fields = undefined;
    q.decoder = undefined;
    q.rows = [];
    q.commandTag = '';
    q.error = undefined;
  }

  private onNotice(msg: NoticeMessage): void {
    if (this.listenerCount('notice') === 0) return;
    this.emit('notice', { severity: msg.severity, code: msg.code, message: msg.message ?? '' } satisfies Notice);
  }

  /** @internal Builds the typed error for an ErrorResponse. */
  serverError(msg: DatabaseError): ServerError {
    const code = msg.code ?? 'XX000';
    const fields = { severity: msg.severity, detail: msg.detail, hint: msg.hint, position: msg.position };
    return code === '28P01'
      ? new AuthenticationError(code, msg.message, fields, this.address)
      : new ServerError(code, msg.message, fields, this.address);
  }

  private connectionErrorFromServer(msg: DatabaseError): ConnectionError {
    return new ConnectionError(`the server ended the session: ${msg.message} (SQLSTATE ${msg.code ?? '?'})`, {
      phase: 'sent',
      mayHaveReachedServer: true,
      instance: this.address,
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Deadlines and failure

  private onQueryDeadline(q: PendingQuery, kind: 'timeout' | 'abort', ms?: number): void {
    if (q.state === QueryState.Done) return;
    if (q.state === QueryState.Queued) {
      const index = this.queued.indexOf(q);
      if (index >= 0) this.queued.splice(index, 1);
      q.disarm();
      q.reject(kind === 'timeout'
        ? new TimeoutError(`query timed out after ${Math.round(ms ?? 0)} ms before it was sent`, { phase: 'acquire', mayHaveReachedServer: false, instance: this.address })
        : new AbortError('the query was aborted before it was sent', { phase: 'acquire', mayHaveReachedServer: false, instance: this.address, cause: q.signal?.reason }));
      this.checkDrained();
      return;
    }
    // Picodata cannot cancel a running statement (no BackendKeyData, no CancelRequest): the only way to
    // stop waiting is to drop the session. The statement may still run to completion on the server.
    const phase = q.state === QueryState.Receiving ? 'result' : 'sent';
    const what = kind === 'timeout' ? `timed out after ${Math.round(ms ?? 0)} ms` : 'was aborted';
    const error = kind === 'timeout'
      ? new TimeoutError(`query ${what} after it was sent; the connection was destroyed (Picodata cannot cancel a statement) and the statement may have been executed`, { phase, mayHaveReachedServer: true, instance: this.address })
      : new AbortError(`query ${what} after it was sent; the connection was destroyed (Picodata cannot cancel a statement) and the statement may have been executed`, { phase, mayHaveReachedServer: true, instance: this.address, cause: q.signal?.reason });
    q.disarm();
    q.reject(error);
    this.destroy(new ConnectionError(`the connection was destroyed because a query pipelined on it ${what}; the outcome of this query is unknown`, { phase: 'sent', mayHaveReachedServer: true, instance: this.address }));
  }

  private onSocketError(error: Error): void {
    this.closeError ??= new ConnectionError(`connection lost: ${error.message}`, { phase: 'sent', mayHaveReachedServer: true, instance: this.address, cause: error });
  }

  private onSocketClosed(): void {
    if (this.lifecycle === 'closed') return;
    const wasClosing = this.lifecycle === 'closing';
    this.lifecycle = 'closed';
    const base = this.closeError ?? new ConnectionError(wasClosing ? 'the connection was closed' : 'the server closed the connection', { phase: 'sent', mayHaveReachedServer: true, instance: this.address });
    this.startup?.fail(base);
    for (const q of this.inflight.splice(0)) {
      if (q.state === QueryState.Done) continue;
      q.disarm();
      q.reject(errorFor(base, q, true, this.address));
    }
    for (const q of this.queued.splice(0)) {
      q.disarm();
      q.reject(errorFor(base, q, false, this.address));
    }
    this.cache?.clear();
    this.checkDrained();
    this.emit('close', this.closeError);
  }

  private notReadyError(): ConnectionError {
    const state = this.lifecycle === 'closing' ? 'is closing' : this.lifecycle === 'connecting' ? 'is not connected yet' : 'is closed';
    return new ConnectionError(`the connection ${state}`, { phase: 'acquire', mayHaveReachedServer: false, instance: this.address, cause: this.closeError });
  }

  private whenDrained(fn: () => void): void {
    if (this.inFlight === 0) fn();
    else this.drainWaiters.push(fn);
  }

  private checkDrained(): void {
    if (this.inFlight !== 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const fn of waiters) fn();
  }
}

/** The error each affected query gets when its connection goes away. */
function errorFor(base: Error, q: PendingQuery, sent: boolean, address: string): Error {
  if (!sent) {
    return new ConnectionError(`${base.message.replace(/ \(instance [^)]*\)$/, '')}; the query was not sent`, { phase: 'acquire', mayHaveReachedServer: false, instance: address, cause: base });
  }
  if (base instanceof ConnectionError) {
    const phase = q.state === QueryState.Receiving ? 'result' : 'sent';
    if (base.phase === phase && base.mayHaveReachedServer) return base;
    return new ConnectionError(`${base.message.replace(/ \(instance [^)]*\)$/, '')}; the outcome of the query is unknown`, { phase, mayHaveReachedServer: true, instance: address, cause: base });
  }
  if (base instanceof PicotsError) {
    return new ConnectionError(`${base.message}; the outcome of the query is unknown`, { phase: 'sent', mayHaveReachedServer: true, instance: address, cause: base });
  }
  return base;
}

/** The StartupMessage → authentication → ReadyForQuery exchange. */
class StartupHandshake {
  private scram: ScramSession | undefined;
  private settled = false;
  private authenticated = false;

  constructor(
    private readonly conn: Connection,
    private readonly options: ResolvedConnectionOptions,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  handle(msg: BackendMessage): void {
    try {
      this.step(msg);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private step(msg: BackendMessage): void {
    switch (msg.name) {
      case 'authenticationCleartextPassword':
        this.conn.send(serialize.password(this.password()));
        return;
      case 'authenticationMD5Password':
        this.conn.send(serialize.password(md5PasswordMessage(this.options.user, this.password(), (msg as AuthenticationMD5Password).salt)));
        return;
      case 'authenticationSASL': {
        const mechanisms = (msg as BackendMessage & { mechanisms: string[] }).mechanisms;
        if (!mechanisms.includes(SCRAM_MECHANISM)) {
          throw new ConnectionError(`the server offers only ${mechanisms.join(', ')}; picots supports ${SCRAM_MECHANISM}`, { phase: 'connect', mayHaveReachedServer: false, instance: this.conn.address });
        }
        this.scram = new ScramSession(this.password());
        this.conn.send(serialize.sendSASLInitialResponseMessage(SCRAM_MECHANISM, this.scram.clientFirstMessage()));
        return;
      }
      case 'authenticationSASLContinue': {
        const scram = this.requireScram();
        scram
          .clientFinalMessage((msg as BackendMessage & { data: string }).data)
          .then((final) => this.conn.send(serialize.sendSCRAMClientFinalMessage(final)))
          .catch((error: Error) => this.failAndClose(error));
        return;
      }
      case 'authenticationSASLFinal':
        this.requireScram().verifyServerFinal((msg as BackendMessage & { data: string }).data);
        return;
      case 'authenticationOk':
        this.authenticated = true;
        return;
      case 'backendKeyData':
      case 'notice':
        return;
      case 'parameterStatus': {
        const p = msg as ParameterStatusMessage;
        this.conn.recordParameter(p.parameterName, p.parameterValue);
        return;
      }
      case 'readyForQuery':
        if (!this.authenticated) throw new ProtocolError(`${this.conn.address} sent ReadyForQuery before authentication completed`);
        if (!this.settled) {
          this.settled = true;
          this.resolve();
        }
        return;
      case 'error':
        throw this.conn.serverError(msg as DatabaseError);
      default:
        throw new ProtocolError(`unexpected message '${msg.name}' during startup from ${this.conn.address}`);
    }
  }

  private failAndClose(error: Error): void {
    this.fail(error);
    this.conn.destroy(error);
  }

  private password(): string {
    const password = this.options.password;
    if (password === undefined) {
      throw new ConnectionError('the server asks for a password, and none was given', { phase: 'connect', mayHaveReachedServer: false, instance: this.conn.address });
    }
    return password;
  }

  private requireScram(): ScramSession {
    if (this.scram === undefined) throw new ProtocolError('SCRAM message without a SCRAM exchange');
    return this.scram;
  }
}

export type { ConnectionOptions } from '../config/connection-options.js';
export type { PreparedStatement, net };
