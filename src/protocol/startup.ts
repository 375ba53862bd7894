import { serialize } from 'pg-protocol';
import type { DatabaseError } from 'pg-protocol';
import type { AuthenticationMD5Password, BackendMessage, ParameterStatusMessage } from 'pg-protocol/dist/messages.js';
import { AbortError, ConnectionError, ProtocolError, TimeoutError } from '../errors.js';
import type { ResolvedConnectionOptions } from '../config/connection-options.js';
import { md5PasswordMessage } from './md5-password.js';
import { SCRAM_MECHANISM, ScramSession } from './scram.js';
import { serverError } from './wire-errors.js';

/** What the startup exchange needs from the connection it runs on. */
export interface StartupHost {
  readonly address: string;
  /** Writes one message to the socket. */
  send(buffer: Buffer): void;
  /** Stores a ParameterStatus value. */
  recordParameter(name: string, value: string): void;
  /** Ends the session (used when an asynchronous step of SCRAM fails). */
  destroy(error: Error): void;
  /**
   * Called at the first ReadyForQuery, before `done` resolves: messages that follow it in the same chunk
   * are queries' replies (or a protocol violation), not the handshake's.
   */
  ready(): void;
}

/**
 * The StartupMessage it opens with: `user`, `database` when set, `client_encoding`, and Picodata's `options`
 * in its own `name=value,name=value` form. Nothing else: Picodata ignores other parameters, and picots sends
 * no SET or catalog query afterwards.
 */
export function startupMessage(options: ResolvedConnectionOptions): Buffer {
  return serialize.startup(options.startupParameters);
}

/**
 * One deadline (`connectTimeout`) and the caller's `signal` over TCP, TLS, authentication and the first
 * ReadyForQuery: Picodata accepts TCP before an instance is Online but holds the handshake until then.
 * `dispose()` clears the timer and the listener.
 */
export function connectDeadline(options: ResolvedConnectionOptions, address: string): { signal: AbortSignal; dispose(): void } {
  const deadline = new AbortController();
  const { connectTimeout, signal } = options;
  const timer = connectTimeout === Infinity ? undefined : setTimeout(() => {
    deadline.abort(new TimeoutError(
      `connect timed out after ${connectTimeout} ms (TCP, TLS, authentication and the first ReadyForQuery must finish within connectTimeout)`,
      { phase: 'connect', mayHaveReachedServer: false, instance: address },
    ));
  }, connectTimeout);
  const onUserAbort = (): void => {
    deadline.abort(new AbortError('connect was aborted', { phase: 'connect', mayHaveReachedServer: false, instance: address, cause: signal?.reason }));
  };
  signal?.addEventListener('abort', onUserAbort, { once: true });
  if (signal?.aborted) onUserAbort();
  return {
    signal: deadline.signal,
    dispose(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onUserAbort);
    },
  };
}

/**
 * The exchange after the StartupMessage: authentication (cleartext, md5 or SCRAM-SHA-256, whichever the
 * server asks for), ParameterStatus values, then the first ReadyForQuery. `done` settles once.
 */
export class StartupHandshake {
  /** Resolves at the first ReadyForQuery after authentication; rejects on the first failure. */
  readonly done: Promise<void>;
  /** PostgreSQL sends BackendKeyData; Picodata never does (it cannot cancel a statement). */
  sentBackendKeyData = false;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  #scram: ScramSession | undefined;
  #settled = false;
  #authenticated = false;
  readonly #host: StartupHost;
  readonly #options: ResolvedConnectionOptions;

  constructor(host: StartupHost, options: ResolvedConnectionOptions) {
    this.#host = host;
    this.#options = options;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** True once the server accepted the credentials (AuthenticationOk); what is left is the first ReadyForQuery. */
  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** Handles one backend message that arrived before the first ReadyForQuery. */
  handle(msg: BackendMessage): void {
    try {
      this.#step(msg);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Fails the handshake (first call wins). */
  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  #step(msg: BackendMessage): void {
    const host = this.#host;
    switch (msg.name) {
      case 'authenticationCleartextPassword':
        host.send(serialize.password(this.#password()));
        return;
      case 'authenticationMD5Password':
        host.send(serialize.password(md5PasswordMessage(this.#options.user, this.#password(), (msg as AuthenticationMD5Password).salt)));
        return;
      case 'authenticationSASL': {
        const mechanisms = (msg as BackendMessage & { mechanisms: string[] }).mechanisms;
        if (!mechanisms.includes(SCRAM_MECHANISM)) {
          throw new ConnectionError(`the server offers only ${mechanisms.join(', ')}; picots supports ${SCRAM_MECHANISM}`, { phase: 'connect', mayHaveReachedServer: false, instance: host.address });
        }
        this.#scram = new ScramSession(this.#password());
        host.send(serialize.sendSASLInitialResponseMessage(SCRAM_MECHANISM, this.#scram.clientFirstMessage()));
        return;
      }
      case 'authenticationSASLContinue':
        this.#requireScram()
          .clientFinalMessage((msg as BackendMessage & { data: string }).data)
          .then((final) => host.send(serialize.sendSCRAMClientFinalMessage(final)))
          .catch((error: Error) => {
            this.fail(error);
            host.destroy(error);
          });
        return;
      case 'authenticationSASLFinal':
        this.#requireScram().verifyServerFinal((msg as BackendMessage & { data: string }).data);
        return;
      case 'authenticationOk':
        this.#authenticated = true;
        return;
      case 'backendKeyData':
        this.sentBackendKeyData = true;
        return;
      case 'notice':
        return;
      case 'parameterStatus': {
        const p = msg as ParameterStatusMessage;
        host.recordParameter(p.parameterName, p.parameterValue);
        return;
      }
      case 'readyForQuery':
        if (!this.#authenticated) throw new ProtocolError(`${host.address} sent ReadyForQuery before authentication completed`);
        if (!this.#settled) {
          this.#settled = true;
          host.ready();
          this.#resolve();
        }
        return;
      case 'error':
        throw serverError(msg as DatabaseError, host.address);
      default:
        throw new ProtocolError(`unexpected message '${msg.name}' during startup from ${host.address}`);
    }
  }

  #password(): string {
    const password = this.#options.password;
    if (password === undefined) {
      throw new ConnectionError('the server asks for a password, and none was given', { phase: 'connect', mayHaveReachedServer: false, instance: this.#host.address });
    }
    return password;
  }

  #requireScram(): ScramSession {
    if (this.#scram === undefined) throw new ProtocolError('SCRAM message without a SCRAM exchange');
    return this.#scram;
  }
}
