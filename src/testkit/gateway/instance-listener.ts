import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StandInError } from '../stand-in-error.js';
import { Faults } from './faults.js';
import type { KeyedRecorder } from './keyed-recorder.js';
import { Session } from './session.js';
import type { ShardingCatalog } from './sharding-catalog.js';

/** What one listener needs to know. */
export interface ListenerSetup {
  readonly name: string;
  /** Where to listen; port 0 picks a free one the first time, kept by later {@link InstanceListener.listen} calls. */
  readonly host: string;
  readonly port: number;
  readonly backendHost: string;
  readonly backendPort: number;
  readonly record: boolean;
  /** Hands out session ids, unique across the gateway. */
  readonly nextId: () => number;
  /** A session started. */
  readonly onSession: (session: Session) => void;
  /** A session ended; called once, after `onSession`. */
  readonly onSessionClosed: (session: Session) => void;
  /** Where sessions record their keyed statements, if anywhere. */
  readonly keyed?: KeyedRecorder;
  /** Sharding keys for query-metadata notices (see {@link SessionSetup.catalog}). */
  readonly catalog?: ShardingCatalog;
}

// Re-listening on the same port right after a close can meet a port that is briefly taken (another
// socket got it as its ephemeral port); a few tries ride that out.
const LISTEN_ATTEMPTS = 20;
const LISTEN_RETRY_MS = 50;

/** One instance's TCP listener in front of its PostgreSQL address, with its sessions and faults. */
export class InstanceListener {
  readonly name: string;
  readonly host: string;
  readonly backendHost: string;
  readonly backendPort: number;
  readonly faults = new Faults();
  private portValue: number;
  private server: Server | undefined;
  private readonly sessions = new Set<Session>();

  constructor(private readonly setup: ListenerSetup) {
    this.name = setup.name;
    this.host = setup.host;
    this.portValue = setup.port;
    this.backendHost = setup.backendHost;
    this.backendPort = setup.backendPort;
  }

  get port(): number {
    return this.portValue;
  }

  /** `host:port` clients connect to. */
  get address(): string {
    return `${this.host}:${this.portValue}`;
  }

  get backendAddress(): string {
    return `${this.backendHost}:${this.backendPort}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Sessions still open. */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** Starts listening (again) on the same address and port; does nothing when already listening. */
  async listen(): Promise<void> {
    if (this.server) return;
    for (let attempt = 1; ; attempt += 1) {
      const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
      try {
        server.listen({ host: this.host, port: this.portValue, exclusive: true });
        await once(server, 'listening');
      } catch (error) {
        server.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' && this.portValue !== 0 && attempt < LISTEN_ATTEMPTS) {
          await sleep(LISTEN_RETRY_MS);
          continue;
        }
        throw new StandInError(`gateway for ${this.name}: cannot listen on ${this.address}: ${(error as Error).message}`, { cause: error });
      }
      const bound = server.address();
      if (typeof bound === 'object' && bound !== null) this.portValue = bound.port;
      // Errors after listening (none expected on loopback) must not crash the test process.
      server.on('error', () => {});
      this.server = server;
      return;
    }
  }

  /**
   * Refuses new connects and resets every session: the instance's process died. Resolves once the port
   * is closed and every session is gone.
   */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // The listening socket closes at once; the callback waits for the accepted connections to end.
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const session of [...this.sessions]) session.reset();
    await closed;
  }

  /** Closes every session (FIN to the client), keeps listening. */
  terminateSessions(): void {
    for (const session of [...this.sessions]) session.terminate();
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {}); // the session installs its own handler; this one covers the gap
    const session = new Session(socket, {
      id: this.setup.nextId(),
      instance: this.name,
      backendHost: this.backendHost,
      backendPort: this.backendPort,
      faults: this.faults,
      record: this.setup.record,
      ...(this.setup.keyed ? { keyed: this.setup.keyed } : {}),
      ...(this.setup.catalog ? { catalog: this.setup.catalog } : {}),
      onClose: (s) => {
        this.sessions.delete(s);
        this.setup.onSessionClosed(s);
      },
    });
    this.sessions.add(session);
    this.setup.onSession(session);
  }
}
