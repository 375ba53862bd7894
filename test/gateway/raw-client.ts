import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';

/**
 * A bare pgproto client over a socket, for what `pg.Client` cannot show: the exact messages the server
 * sent (e.g. that no BackendKeyData came), a close with no reply, pipelined requests.
 */
export class RawClient {
  /** Every byte received, in order. */
  readonly received: Buffer[] = [];
  readonly closed: Promise<void>;
  private readonly messages: BackendMessage[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly parser = new Parser();
  private sslAnswer: ((byte: string) => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      let rest = chunk;
      if (this.sslAnswer && rest.length > 0) {
        const answer = this.sslAnswer;
        this.sslAnswer = undefined;
        answer(rest.toString('latin1', 0, 1));
        rest = rest.subarray(1);
      }
      if (rest.length > 0) this.parser.parse(rest, (m) => this.messages.push(m));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      for (const w of this.waiters.splice(0)) w();
      resolve();
    }));
  }

  /** Connects; rejects on a refused connection or after `timeoutMs`. */
  static async connect(address: string, timeoutMs = 5000): Promise<RawClient> {
    const split = address.lastIndexOf(':');
    const socket = connect({ host: address.slice(0, split), port: Number(address.slice(split + 1)) });
    try {
      await once(socket, 'connect', { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return new RawClient(socket);
  }

  get bytesReceived(): number {
    return this.received.reduce((n, b) => n + b.length, 0);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends an SSLRequest and returns the one-byte answer. */
  async requestSsl(timeoutMs = 5000): Promise<string> {
    const answer = new Promise<string>((resolve) => { this.sslAnswer = resolve; });
    this.send(serialize.requestSsl());
    return withTimeout(answer, timeoutMs, 'the SSLRequest answer');
  }

  /** The next message, waiting up to `timeoutMs`; rejects when the socket closes first. */
  async next(timeoutMs = 5000): Promise<BackendMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.messages.shift();
      if (message) return message;
      if (this.socket.destroyed || this.socket.readableEnded) throw new Error('the connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await withTimeout(new Promise<void>((resolve) => this.waiters.push(resolve)), left, 'a message').catch(() => {});
    }
  }

  /** Messages up to and including the next ReadyForQuery. */
  async untilReady(timeoutMs = 5000): Promise<BackendMessage[]> {
    const deadline = Date.now() + timeoutMs;
    const got: BackendMessage[] = [];
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      got.push(m);
      if (m.name === 'readyForQuery') return got;
    }
  }

  /**
   * Startup and a cleartext password login (the stand-in's `cleartext` user); returns the messages up to
   * the first ReadyForQuery.
   */
  async login(user: { user: string; password: string }, database: string, extra: Record<string, string> = {}): Promise<BackendMessage[]> {
    this.send(serialize.startup({ user: user.user, database, ...extra }));
    const first = await this.next();
    if (first.name !== 'authenticationCleartextPassword') throw new Error(`expected a cleartext password request, got ${first.name}`);
    this.send(serialize.password(user.password));
    return [first, ...(await this.untilReady())];
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Rejects after `ms` with a message naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
