import { createConnection, type Socket } from 'node:net';
import { parsePicodataOptions } from '../../config/picodata-options.js';
import { BackendFilter } from './backend-filter.js';
import type { Faults } from './faults.js';
import { Conversation } from './conversation.js';
import { picodataError } from './error-response.js';
import { encodeStartup, FramingError, FrontendReader, type FirstPacket, type FrontendMessage } from './frontend-reader.js';
import { SSL_REFUSED } from './gateway-replies.js';
import type { KeyedRecorder, KeyedSession } from './keyed-recorder.js';
import { Outbound } from './outbound.js';
import { MetadataNotices, queryMetadataRequested } from './metadata-notices.js';
import type { ShardingCatalog } from './sharding-catalog.js';
import type { RecordedMessage, SessionRecord, SessionState } from './session-record.js';

/** Where a session goes and what it shares with its listener. */
export interface SessionSetup {
  readonly id: number;
  readonly instance: string;
  readonly backendHost: string;
  readonly backendPort: number;
  readonly faults: Faults;
  /** Record every message (true) or only the startup (false). */
  readonly record: boolean;
  /** Called once, when the session is over. */
  readonly onClose: (session: Session) => void;
  /** Records the session's keyed statements (see KeyedRecorder), when it uses the recorder's database. */
  readonly keyed?: KeyedRecorder;
  /** Where sharding keys are read for query-metadata notices; without it they carry no key. */
  readonly catalog?: ShardingCatalog;
}

// While the conversation waits for the server, the client's messages pile up in the reader up to this much.
const MAX_WAITING_BYTES = 1 << 20;

type Phase = 'first' | 'decide' | 'forward' | 'closed';

type MutableRecord = { -readonly [K in keyof SessionRecord]: SessionRecord[K] };

/**
 * One client connection proxied to the instance's PostgreSQL address, acting as Picodata where a
 * client can tell:
 * - the first packet: SSLRequest gets `N`; GSSENCRequest and CancelRequest close the socket with no
 *   reply; a StartupMessage whose `options` is not in Picodata's `name=value,...` format drops the
 *   connection with no ErrorResponse; otherwise `options` is recorded and the startup goes on to
 *   PostgreSQL with only `user` and `database` (Picodata ignores the other parameters);
 * - after the startup, a {@link Conversation} makes the message flow Picodata's (one statement per Query,
 *   transaction statements answered as no-ops, every Execute its own autocommit, skip-to-Sync after an
 *   error, ReadyForQuery always `I`, Picodata's ParameterStatus set) and a {@link BackendFilter} the
 *   server's messages (no BackendKeyData, integers described as int8).
 * Faults come from the listener's {@link Faults}: a held handshake waits, a blackhole stops both
 * directions, a delay slows server-to-client bytes, an armed cut ends the session mid-result.
 */
export class Session {
  private readonly reader = new FrontendReader();
  private readonly rec: MutableRecord;
  private readonly messages: RecordedMessage[] = [];
  private readonly toClient: Outbound;
  private toBackend: Outbound | undefined;
  private backend: Socket | undefined;
  private phase: Phase = 'first';
  private first: FirstPacket | undefined;
  private sslAnswered = false;
  /** What happens after the startup; see {@link Conversation}. */
  private conversation: Conversation | undefined;
  /** Set when the startup asked for `pico_query_metadata=true`. */
  private notices: MetadataNotices | undefined;
  private readonly onFaults = () => this.faultsChanged();
  /** Tracks keyed statements; undefined when not recording them. */
  private keyed: KeyedSession | undefined;
  /** A message held back until the sharding facts it needs are loaded. */
  private stashed: FrontendMessage | undefined;
  private loadingKeys = false;

  constructor(private readonly client: Socket, private readonly setup: SessionSetup) {
    this.rec = {
      id: setup.id, instance: setup.instance, acceptedAt: Date.now(), sslRequested: false, startup: {}, options: [],
      messages: this.messages, state: 'handshake',
    };
    this.toClient = new Outbound(client, {
      delayMs: () => setup.faults.delayMs,
      blocked: () => setup.faults.blackholed,
    }, () => this.syncFlow());
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.advance();
      this.syncFlow();
    });
    client.on('end', () => {
      if (this.toBackend) this.toBackend.end();
      else this.finish();
    });
    client.on('error', (error) => this.finish(`client socket error: ${error.message}`));
    client.on('close', () => this.finish());
    setup.faults.on('change', this.onFaults);
    this.syncFlow();
  }

  /** A snapshot of what was recorded. */
  get record(): SessionRecord {
    return { ...this.rec, messages: [...this.messages], options: [...this.rec.options] };
  }

  get state(): SessionState {
    return this.rec.state;
  }

  /** Resets the connection (RST) and closes the server side: the instance died. */
  reset(): void {
    this.note('killed');
    if (!this.client.destroyed) this.client.resetAndDestroy();
    this.finish();
  }

  /** Closes both sides (FIN to the client): the instance closed its sessions. */
  terminate(): void {
    this.finish('terminated');
  }

  /** Reads and acts on whatever whole packets have come, as far as the faults allow. */
  private advance(): void {
    try {
      for (;;) {
        if (this.phase === 'first') {
          const packet = this.reader.readFirst();
          if (!packet) return;
          this.recordFirst(packet);
          this.phase = 'decide';
        } else if (this.phase === 'decide') {
          if (this.setup.faults.held || this.setup.faults.blackholed) return;
          this.actOnFirst();
        } else if (this.phase === 'forward') {
          const conversation = this.conversation;
          if (this.setup.faults.blackholed || !conversation || conversation.blocked || this.loadingKeys || this.notices?.busy) return;
          const message = this.stashed ?? this.notices?.takeReady() ?? conversation.takeHeld() ?? this.reader.readMessage();
          this.stashed = undefined;
          if (!message) return;
          const loading = this.keyed?.wait(message);
          if (loading) {
            this.stashed = message;
            this.loadingKeys = true;
            void loading.then(() => {
              this.loadingKeys = false;
              if (this.phase === 'closed') return;
              this.advance();
              this.syncFlow();
            });
            return;
          }
          if (this.notices?.hold(message)) continue;
          conversation.handle(message);
        } else {
          return;
        }
      }
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      this.finish(`broken framing: ${error.message}`);
    }
  }

  private recordFirst(packet: FirstPacket): void {
    this.first = packet;
    this.rec.firstPacket = packet.kind;
    if (packet.kind === 'ssl') this.rec.sslRequested = true;
    if (packet.kind === 'startup') this.rec.startup = packet.parameters;
  }

  /** Answers the first packet; leaves `phase` at `first` (after SSL), `forward`, or `closed`. */
  private actOnFirst(): void {
    const packet = this.first;
    if (!packet) return;
    switch (packet.kind) {
      case 'ssl':
        if (this.sslAnswered) return this.finish('a second SSLRequest');
        this.sslAnswered = true;
        this.toClient.write(SSL_REFUSED);
        this.phase = 'first';
        this.first = undefined;
        return;
      case 'gssenc':
        return this.finish('GSSENCRequest (not supported: closed with no reply)');
      case 'cancel':
        return this.finish('CancelRequest (not supported: closed with no reply)');
      case 'invalid':
        return this.finish(`bad first packet: ${packet.reason}`);
      case 'startup':
        return this.startForwarding(packet.parameters);
    }
  }

  private startForwarding(parameters: Readonly<Record<string, string>>): void {
    const { options, user, database } = parameters;
    if (options !== undefined) {
      try {
        this.rec.options = parsePicodataOptions(options).pairs;
      } catch (error) {
        // Picodata drops the connection without an ErrorResponse here.
        return this.finish(`malformed options: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const metadata = queryMetadataRequested(parameters, this.rec.options);
    // Picodata ends the handshake with no ErrorResponse here too.
    if (typeof metadata === 'string') return this.finish(metadata);
    if (metadata) {
      const catalog = this.setup.catalog?.database(database ?? user ?? '');
      this.notices = new MetadataNotices(async (table) => catalog?.shardingKeyOf(table), () => this.advance());
    }
    const backend = createConnection({ host: this.setup.backendHost, port: this.setup.backendPort });
    this.backend = backend;
    backend.setNoDelay(true);
    if (this.setup.keyed && database === this.setup.keyed.database) {
      this.keyed = this.setup.keyed.session(this.setup.instance, this.setup.id);
    }
    const conversation = new Conversation({
      toServer: (bytes) => {
        this.keyed?.sent(bytes);
        this.notices?.sentToServer(bytes);
        this.toBackend?.write(bytes);
      },
      toClient: (bytes) => this.toClient.write(bytes),
      ...(this.setup.record ? { remember: (message: RecordedMessage) => this.messages.push(message) } : {}),
      end: (reason) => this.endAfterReply(reason),
      resume: () => this.advance(),
      localParseNotice: (message) => this.notices?.noticeOf(message),
    });
    this.conversation = conversation;
    const filter = new BackendFilter({
      emit: (bytes) => this.toClient.write(bytes),
      readyForQuery: () => {
        this.notices?.serverReady();
        if (this.rec.state === 'handshake') this.rec.state = 'open';
        conversation.serverReady();
      },
      error: (body) => {
        this.notices?.serverError();
        conversation.serverError();
        return picodataError(body, user ?? '');
      },
      shouldCut: () => this.setup.faults.takeCut(),
      beforeParseComplete: () => this.notices?.parseComplete(),
      cut: () => this.endAfterReply('cut mid-result'),
    });
    backend.on('data', (chunk: Buffer) => {
      filter.push(chunk);
      this.syncFlow();
    });
    backend.on('error', (error) => this.note(`server socket error: ${error.message}`));
    // The server closed: the client gets what is queued, then EOF.
    backend.on('close', () => {
      if (this.phase === 'closed') return;
      if (!conversation.clientTerminated) this.note('the server closed the session');
      this.toClient.end();
    });
    this.toBackend = new Outbound(backend, { delayMs: () => 0, blocked: () => this.setup.faults.blackholed }, () => this.syncFlow());
    // Picodata reads only `user` and `options`; the rest (client_encoding, TimeZone, DateStyle, search_path,
    // application_name) would change PostgreSQL's answers and not Picodata's. `database` picks the stand-in's schema.
    const forwarded: Record<string, string> = {};
    if (user !== undefined) forwarded.user = user;
    if (database !== undefined) forwarded.database = database;
    this.toBackend.write(encodeStartup(forwarded));
    this.phase = 'forward';
  }

  /**
   * Ends the client side after what is queued for it and drops the server side: the filter sent part of a
   * DataRow or CommandComplete (a cut), or Picodata would close after its answer (an unknown message type).
   */
  private endAfterReply(reason: string): void {
    this.note(reason);
    this.backend?.destroy();
    this.client.once('finish', () => this.client.destroy());
    this.toClient.end();
  }

  private faultsChanged(): void {
    if (this.phase === 'closed') return;
    this.syncFlow();
    this.toClient.pump();
    this.toBackend?.pump();
    this.advance();
  }

  /**
   * Pauses reading from a side while its bytes cannot move on (a blackhole, the other side is backlogged,
   * or the conversation waits for the server and the client has already sent plenty).
   */
  private syncFlow(): void {
    if (this.phase === 'closed') return;
    const blackholed = this.setup.faults.blackholed;
    const waiting = ((this.conversation?.blocked ?? false) || this.loadingKeys) && this.reader.buffered > MAX_WAITING_BYTES;
    setPaused(this.client, blackholed || waiting || (this.toBackend?.backlogged ?? false));
    if (this.backend) setPaused(this.backend, blackholed || this.toClient.backlogged);
  }

  private note(reason: string): void {
    this.rec.closeReason ??= reason;
  }

  private finish(reason?: string): void {
    if (reason) this.note(reason);
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.rec.state = 'closed';
    this.setup.faults.off('change', this.onFaults);
    this.toClient.dispose();
    this.toBackend?.dispose();
    if (!this.client.destroyed) this.client.destroy();
    this.backend?.destroy();
    this.setup.onClose(this);
  }
}

function setPaused(socket: Socket, paused: boolean): void {
  if (paused && !socket.isPaused()) socket.pause();
  else if (!paused && socket.isPaused()) socket.resume();
}
