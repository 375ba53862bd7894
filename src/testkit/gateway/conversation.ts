import { bindNames, executeFields, parseName, target } from './extended-fields.js';
import { FRONTEND_MESSAGE_NAMES, messageSql, type FrontendMessage } from './frontend-reader.js';
import {
  BIND_COMPLETE, CLOSE_COMPLETE, featureNotSupported, multiStatementError, NO_DATA, NO_PARAMETERS_NO_DATA,
  PARSE_COMPLETE, parseError, PICODATA_PARAMETER_STATUS, READY_IDLE, noOpComplete, unknownMessageType,
  type NoOpTag,
} from './gateway-replies.js';
import { picodataStatement } from './picodata-statements.js';
import type { RecordedMessage } from './session-record.js';
import { statementStarts } from './statement-count.js';
import { unsupportedMessageName } from './unsupported-message.js';

/** Where the conversation's bytes go; see {@link Conversation}. */
export interface ConversationHooks {
  toServer(bytes: Buffer): void;
  toClient(bytes: Buffer): void;
  /** Absent: nothing is recorded (and nothing is built for it). */
  readonly remember?: (message: RecordedMessage) => void;
  /** Close the session once what went to `toClient` is out (Picodata's answer to an unknown message type). */
  end(reason: string): void;
  /** The conversation stopped being {@link Conversation.blocked}: give it the messages that waited. */
  resume(): void;
  /** Bytes to send before a ParseComplete the gateway answers itself (Picodata's query-metadata notice). */
  readonly localParseNotice?: (message: FrontendMessage) => Buffer | undefined;
}

/** Who is owed the server's answer to a Sync (or Query): the client, or the gateway alone (an added Sync). */
type SyncOwner = 'startup' | 'client' | 'gateway';

/** A local answer, to go out once the server has answered `after` Syncs. */
interface LocalReply {
  readonly after: number;
  readonly bytes: Buffer | string;
}

const SYNC: Buffer = Buffer.from([0x53, 0, 0, 0, 4]);

/**
 * The client's side of a proxied session after the startup, made to behave as Picodata's message loop
 * (src/pgproto/client.rs) over a PostgreSQL that behaves otherwise:
 * - every Execute is its own autocommit: PostgreSQL would run all the messages before a Sync as one
 *   implicit transaction, so after each Execute (without a row limit) the gateway sends a Sync of its
 *   own unless the client's comes next, and swallows its ReadyForQuery;
 * - after an error the client's messages are discarded up to its next Sync, which gets one ReadyForQuery.
 *   To know whether a statement failed before the next one runs, the gateway waits for the answer to its
 *   added Sync ({@link blocked}) before going on;
 * - bare BEGIN/COMMIT/ROLLBACK/END and SET are answered as Picodata does (they do nothing), in the simple and the
 *   extended protocol, and statements Picodata cannot parse (START TRANSACTION, SAVEPOINT, COPY, ...) get
 *   its parse error, never reaching PostgreSQL;
 * - COPY's messages and a password after the login get 0A000; an unknown message type (FunctionCall)
 *   gets an IO error and the connection closes;
 * - ReadyForQuery is always `I`; after the login Picodata's ParameterStatus set replaces PostgreSQL's.
 * Local answers go out in their place among the server's: after the server answered every Sync sent before.
 */
export class Conversation {
  readonly #hooks: ConversationHooks;
  /** Answers owed by the server, oldest first. */
  readonly #owed: SyncOwner[] = ['startup'];
  #sent = 1;
  #answered = 0;
  readonly #replies: LocalReply[] = [];
  #loggedIn = false;
  /** Something went to the server since its last Sync or Query. */
  #unsynced = false;
  /** The last message that went to the server was an Execute without a row limit. */
  #afterExecute = false;
  /** An extended-protocol message came since the client's last Sync or Query. */
  #inWindow = false;
  /** An ErrorResponse came since the server's last ReadyForQuery. */
  #errorSeen = false;
  /** The pipeline failed: drop messages up to the client's Sync. */
  #discarding = false;
  #waiting = false;
  #ended = false;
  #held: FrontendMessage | undefined;
  /** Statements and portals that hold a no-op statement, answered here. */
  readonly #statements = new Map<string, NoOpTag>();
  readonly #portals = new Map<string, NoOpTag>();
  #clientTerminated = false;

  constructor(hooks: ConversationHooks) {
    this.#hooks = hooks;
  }

  /** True while the gateway waits for the server's answer to a Sync it added; feed no messages until `resume`. */
  get blocked(): boolean {
    return this.#waiting || this.#ended;
  }

  /** The client sent Terminate: the server closing is then the normal end. */
  get clientTerminated(): boolean {
    return this.#clientTerminated;
  }

  /** The message put aside when the conversation blocked; it goes before anything newer. */
  takeHeld(): FrontendMessage | undefined {
    const held = this.#held;
    this.#held = undefined;
    return held;
  }

  /** Acts on one message from the client. Call only while not {@link blocked}. */
  handle(message: FrontendMessage): void {
    if (!this.#loggedIn) return this.#forward(message);
    if (this.#afterExecute && message.type !== 'S') return this.#syncFirst(message);
    if (this.#discarding) return this.#discard(message);
    switch (message.type) {
      case 'S': return this.#clientSync(message);
      case 'Q': return this.#query(message);
      case 'P': return this.#parse(message);
      case 'B': return this.#bind(message);
      case 'D': return this.#describeOrClose(message, false);
      case 'C': return this.#describeOrClose(message, true);
      case 'E': return this.#execute(message);
      case 'H':
        this.#inWindow = true;
        return this.#forward(message);
      case 'X':
        this.#clientTerminated = true;
        return this.#forward(message);
      default: return this.#unsupported(message);
    }
  }

  /** The server sent an ErrorResponse. */
  serverError(): void {
    this.#errorSeen = true;
  }

  /** The server sent a ReadyForQuery (which the filter dropped): answer the client's Sync, or go on after ours. */
  serverReady(): void {
    const owner = this.#owed.shift();
    this.#answered += 1;
    if (owner === 'startup') {
      this.#loggedIn = true;
      // The login messages are all answered: nothing is pending on the server.
      this.#unsynced = false;
      this.#hooks.toClient(PICODATA_PARAMETER_STATUS);
    }
    if (owner !== 'gateway') this.#hooks.toClient(READY_IDLE);
    const failed = this.#errorSeen;
    this.#errorSeen = false;
    this.#flushReplies();
    if (owner === 'gateway') {
      this.#waiting = false;
      if (failed) this.#discarding = true;
      this.#hooks.resume();
    }
  }

  #forward(message: FrontendMessage): void {
    this.#record(message);
    this.#hooks.toServer(message.raw);
    this.#unsynced = true;
    this.#afterExecute = false;
  }

  /** Sends a Sync of the gateway's own and puts `message` aside until the server answered it. */
  #syncFirst(message: FrontendMessage): void {
    this.#sendSync('gateway');
    this.#held = message;
    this.#waiting = true;
  }

  #sendSync(owner: SyncOwner): void {
    this.#hooks.toServer(SYNC);
    this.#owed.push(owner);
    this.#sent += 1;
    this.#unsynced = false;
    this.#afterExecute = false;
  }

  #clientSync(message: FrontendMessage): void {
    this.#record(message);
    this.#sendSync('client');
    this.#endWindow();
  }

  #endWindow(): void {
    this.#inWindow = false;
    // Picodata closes every portal at Sync (it has no holdable portals).
    this.#portals.clear();
  }

  #discard(message: FrontendMessage): void {
    this.#record(message, 'discarded');
    if (message.type !== 'S') return;
    this.#discarding = false;
    this.#endWindow();
    this.#reply(READY_IDLE);
  }

  #query(message: FrontendMessage): void {
    // After a failure Picodata would have dropped this Query: learn the outcome first.
    if (this.#unsynced) return this.#syncFirst(message);
    const sql = messageSql(message) ?? '';
    this.#inWindow = false;
    const starts = statementStarts(sql);
    if (starts.length > 1) {
      this.#record(message, 'refused');
      return this.#reply(multiStatementError(sql, starts[1] ?? 0));
    }
    const statement = picodataStatement(sql);
    if (!statement) {
      this.#record(message);
      this.#hooks.toServer(message.raw);
      this.#owed.push('client');
      this.#sent += 1;
      return;
    }
    this.#record(message, 'refused');
    this.#reply(statement.kind === 'no-op' ? noOpComplete(statement.tag) : parseError(sql, statement.at, statement.expected));
    this.#reply(READY_IDLE);
  }

  #parse(message: FrontendMessage): void {
    const sql = messageSql(message) ?? '';
    const statement = picodataStatement(sql);
    const name = parseName(message.body);
    this.#inWindow = true;
    if (!statement) {
      this.#statements.delete(name);
      return this.#forward(message);
    }
    if (this.#unsynced) return this.#syncFirst(message);
    this.#record(message, 'refused');
    if (statement.kind === 'no-op') {
      this.#statements.set(name, statement.tag);
      const notice = this.#hooks.localParseNotice?.(message);
      return this.#reply(notice === undefined ? PARSE_COMPLETE : Buffer.concat([notice, PARSE_COMPLETE]));
    }
    this.#reply(parseError(sql, statement.at, statement.expected));
    this.#discarding = true;
  }

  #bind(message: FrontendMessage): void {
    const { portal, statement } = bindNames(message.body);
    const tag = this.#statements.get(statement);
    this.#inWindow = true;
    if (tag === undefined) {
      this.#portals.delete(portal);
      return this.#forward(message);
    }
    if (this.#unsynced) return this.#syncFirst(message);
    this.#record(message, 'refused');
    this.#portals.set(portal, tag);
    this.#reply(BIND_COMPLETE);
  }

  #describeOrClose(message: FrontendMessage, close: boolean): void {
    const { kind, name } = target(message.body);
    const names = kind === 'S' ? this.#statements : this.#portals;
    this.#inWindow = true;
    if (!names.has(name)) return this.#forward(message);
    if (this.#unsynced) return this.#syncFirst(message);
    this.#record(message, 'refused');
    if (close) names.delete(name);
    this.#reply(close ? CLOSE_COMPLETE : kind === 'S' ? NO_PARAMETERS_NO_DATA : NO_DATA);
  }

  #execute(message: FrontendMessage): void {
    const { portal, maxRows } = executeFields(message.body);
    const tag = this.#portals.get(portal);
    this.#inWindow = true;
    if (tag === undefined) {
      this.#forward(message);
      // A row-limited Execute may be resumed on the same portal, which a Sync would close.
      this.#afterExecute = maxRows === 0;
      return;
    }
    if (this.#unsynced) return this.#syncFirst(message);
    this.#record(message, 'refused');
    this.#reply(noOpComplete(tag));
  }

  /** COPY's messages, FunctionCall, a password after the login, anything unknown. */
  #unsupported(message: FrontendMessage): void {
    if (this.#unsynced) return this.#syncFirst(message);
    this.#record(message, 'refused');
    const name = unsupportedMessageName(message);
    if (name === undefined) {
      // pgwire cannot decode it: Picodata reports an IO error and closes the connection.
      this.#reply(unknownMessageType(message.raw[0] ?? 0));
      this.#ended = true;
      return this.#reply(`unknown message type ${JSON.stringify(message.type)}`);
    }
    this.#reply(featureNotSupported(name));
    if (this.#inWindow) this.#discarding = true;
    else this.#reply(READY_IDLE);
  }

  #record(message: FrontendMessage, how?: 'refused' | 'discarded'): void {
    if (!this.#hooks.remember) return;
    const name = FRONTEND_MESSAGE_NAMES[message.type] ?? `unknown (${JSON.stringify(message.type)})`;
    const sql = messageSql(message);
    const record: RecordedMessage = sql === undefined ? { type: message.type, name } : { type: message.type, name, sql };
    this.#hooks.remember(how === undefined ? record : { ...record, [how]: true });
  }

  /** Sends a local answer (bytes, or a string: end the session for that reason) in its place among the server's. */
  #reply(bytes: Buffer | string): void {
    if (this.#answered >= this.#sent && this.#replies.length === 0) this.#out(bytes);
    else this.#replies.push({ after: this.#sent, bytes });
  }

  #flushReplies(): void {
    while (this.#replies.length > 0 && (this.#replies[0]?.after ?? 0) <= this.#answered) {
      const reply = this.#replies.shift();
      if (reply) this.#out(reply.bytes);
    }
  }

  #out(bytes: Buffer | string): void {
    if (typeof bytes === 'string') this.#hooks.end(bytes);
    else this.#hooks.toClient(bytes);
  }
}
