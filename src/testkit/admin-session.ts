import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { encodeStartup } from './gateway/frontend-reader.js';
import type { AdminTarget } from './psql.js';
import { StandInError } from './stand-in-error.js';

/**
 * One long-lived superuser session over the server's unix socket (trusted, no password), for small reads
 * done often, such as the gateway's sharding facts: a psql run costs a process start, this a round trip.
 * Speaks only the simple query protocol and returns the first column of the first row as text. Queries
 * run one at a time, in order. It is the kit's own plumbing, independent of the client under test.
 */
export class AdminSession {
  readonly #target: AdminTarget;
  readonly #database: string;
  #socket: Socket | undefined;
  #opening: Promise<Socket> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #buffer: Buffer = Buffer.alloc(0);
  #waiter: ((message: { type: string; body: Buffer } | Error) => void) | undefined;
  #closed = false;

  constructor(target: AdminTarget, database: string) {
    this.#target = target;
    this.#database = database;
  }

  /** Runs one statement; resolves with the first column of the first row (`null` for NULL or no row). */
  query(sql: string): Promise<string | null> {
    const run = this.#queue.then(() => this.#run(sql));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Ends the session. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  async #run(sql: string): Promise<string | null> {
    const socket = await this.#open();
    const text = Buffer.from(`${sql}\0`, 'utf8');
    const message = Buffer.alloc(5 + text.length);
    message.write('Q', 0, 'latin1');
    message.writeInt32BE(4 + text.length, 1);
    text.copy(message, 5);
    socket.write(message);
    let value: string | null | undefined;
    let failure: string | undefined;
    for (;;) {
      const reply = await this.#next();
      if (reply.type === 'D' && value === undefined) value = firstColumn(reply.body);
      else if (reply.type === 'E') failure = errorMessage(reply.body);
      else if (reply.type === 'Z') break;
    }
    if (failure !== undefined) throw new StandInError(`the stand-in's admin session: ${failure}`);
    return value ?? null;
  }

  #open(): Promise<Socket> {
    if (this.#closed) return Promise.reject(new StandInError('the admin session is closed'));
    if (this.#socket) return Promise.resolve(this.#socket);
    this.#opening ??= (async () => {
      try {
        const socket = createConnection(join(this.#target.socketDir, `.s.PGSQL.${this.#target.port}`));
        socket.on('data', (chunk: Buffer) => this.#receive(chunk));
        socket.on('error', (error) => this.#fail(error));
        socket.on('close', () => {
          if (this.#socket === socket) this.#socket = undefined;
          this.#fail(new StandInError('the admin session closed'));
        });
        socket.write(encodeStartup({ user: this.#target.superuser, database: this.#database }));
        for (;;) {
          const reply = await this.#next();
          if (reply.type === 'E') throw new StandInError(`the stand-in's admin session: ${errorMessage(reply.body)}`);
          if (reply.type === 'R' && reply.body.readInt32BE(0) !== 0) throw new StandInError('the admin session was asked for a password');
          if (reply.type === 'Z') break;
        }
        this.#socket = socket;
        return socket;
      } finally {
        this.#opening = undefined;
      }
    })();
    return this.#opening;
  }

  #next(): Promise<{ type: string; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const ready = this.#take();
      if (ready) return resolve(ready);
      this.#waiter = (message) => (message instanceof Error ? reject(message) : resolve(message));
    });
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const waiter = this.#waiter;
      if (!waiter) return;
      const message = this.#take();
      if (!message) return;
      this.#waiter = undefined;
      waiter(message);
    }
  }

  #take(): { type: string; body: Buffer } | undefined {
    if (this.#buffer.length < 5) return undefined;
    const length = this.#buffer.readInt32BE(1);
    if (this.#buffer.length < length + 1) return undefined;
    const type = String.fromCharCode(this.#buffer[0] ?? 0);
    const body = this.#buffer.subarray(5, length + 1);
    this.#buffer = this.#buffer.subarray(length + 1);
    return { type, body };
  }

  #fail(error: Error): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#buffer = Buffer.alloc(0);
    waiter?.(error);
  }
}

function firstColumn(body: Buffer): string | null {
  if (body.readInt16BE(0) < 1) return null;
  const length = body.readInt32BE(2);
  return length < 0 ? null : body.toString('utf8', 6, 6 + length);
}

function errorMessage(body: Buffer): string {
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const end = body.indexOf(0, pos + 1);
    if (body[pos] === 0x4d) return body.toString('utf8', pos + 1, end < 0 ? body.length : end);
    pos = (end < 0 ? body.length : end) + 1;
  }
  return 'an error without a message';
}
