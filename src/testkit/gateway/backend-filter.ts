/**
 * The server-to-client stream, passed through message by message without waiting for whole messages
 * (a big DataRow goes out in the chunks it came in), with three changes:
 * - BackendKeyData (`K`) is dropped, as Picodata never sends it;
 * - each ReadyForQuery (`Z`) is reported once it went through, so the gateway can slot its own answers
 *   in at the right place of a pipelined conversation;
 * - at the start of a DataRow (`D`) or CommandComplete (`C`) the stream can be cut: part of that message
 *   goes out and nothing after it.
 */

/** What the filter does with what it finds; see {@link BackendFilter}. */
export interface BackendFilterHooks {
  /** Bytes for the client, in order. */
  emit(bytes: Buffer): void;
  /** A whole ReadyForQuery went to `emit`. */
  readyForQuery(): void;
  /** Asked at the start of each DataRow and CommandComplete: cut the stream here? */
  shouldCut(): boolean;
  /** The stream was cut: `emit` got the start of a message and will get nothing more. */
  cut(): void;
}

const HEADER = 5;
const BACKEND_KEY_DATA = 0x4b; // K
const READY_FOR_QUERY = 0x5a; // Z
const DATA_ROW = 0x44; // D
const COMMAND_COMPLETE = 0x43; // C

/** A streaming filter over backend messages. Not for the bytes before the first message (there are none: the gateway answers SSLRequest itself). */
export class BackendFilter {
  private readonly header = Buffer.alloc(HEADER);
  private headerFill = 0;
  /** Body bytes of the current message still to come; meaningful once the header is whole. */
  private remaining = 0;
  private inBody = false;
  private dropping = false;
  private type = 0;
  private done = false;
  private pending: Buffer[] = [];

  constructor(private readonly hooks: BackendFilterHooks) {}

  /** True once the stream was cut; later chunks are ignored. */
  get cutDone(): boolean {
    return this.done;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.done) {
      if (!this.inBody) {
        const n = Math.min(HEADER - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + n);
        this.headerFill += n;
        pos += n;
        if (this.headerFill < HEADER) break;
        this.startMessage(chunk, pos);
        if (this.done) return;
      } else {
        const n = Math.min(this.remaining, chunk.length - pos);
        if (!this.dropping) this.pending.push(chunk.subarray(pos, pos + n));
        pos += n;
        this.remaining -= n;
      }
      if (this.inBody && this.remaining === 0) this.endMessage();
    }
    this.flush();
  }

  /** The header is whole; `rest` from `pos` holds whatever of the body has come. */
  private startMessage(rest: Buffer, pos: number): void {
    this.type = this.header[0] ?? 0;
    // A length below 4 is garbage from the server; pass it on and let the client complain.
    this.remaining = Math.max(0, this.header.readInt32BE(1) - 4);
    this.inBody = true;
    this.headerFill = 0;
    this.dropping = this.type === BACKEND_KEY_DATA;
    if (this.dropping) return;
    const header = Buffer.from(this.header);
    if ((this.type === DATA_ROW || this.type === COMMAND_COMPLETE) && this.hooks.shouldCut()) {
      const part = Math.min(Math.floor(this.remaining / 2), rest.length - pos);
      this.pending.push(header, rest.subarray(pos, pos + part));
      this.flush();
      this.done = true;
      this.hooks.cut();
      return;
    }
    this.pending.push(header);
  }

  private endMessage(): void {
    this.inBody = false;
    this.dropping = false;
    if (this.type === READY_FOR_QUERY) {
      this.flush();
      this.hooks.readyForQuery();
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    if (bytes && bytes.length > 0) this.hooks.emit(bytes);
  }
}
