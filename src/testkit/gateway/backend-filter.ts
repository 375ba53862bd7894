import { widenIntegerColumns } from './row-description.js';

/**
 * The server-to-client stream, passed through message by message without waiting for whole messages
 * (a big DataRow goes out in the chunks it came in), with these changes:
 * - BackendKeyData (`K`) is dropped, as Picodata never sends it;
 * - ParameterStatus (`S`) is dropped: the session sends Picodata's set itself, once, and PostgreSQL's
 *   reports after a `SET` have no counterpart on Picodata;
 * - ReadyForQuery (`Z`) is dropped and reported, so the session can send its own (always `I`), swallow
 *   the answers to the Syncs it added, and slot its own answers in at the right place;
 * - NoticeResponse (`N`) is dropped: Picodata sends notices only for its own query metadata;
 * - RowDescription (`T`) is held until whole and its integer columns become int8;
 * - ErrorResponse (`E`) is held until whole and replaced by what the `error` hook makes of it (the
 *   session learns that a pipeline failed, and Picodata's fields and codes replace PostgreSQL's);
 * - at the start of a DataRow (`D`) or CommandComplete (`C`) the stream can be cut: part of that message
 *   goes out and nothing after it.
 */

/** What the filter does with what it finds; see {@link BackendFilter}. */
export interface BackendFilterHooks {
  /** Bytes for the client, in order. */
  emit(bytes: Buffer): void;
  /** A whole ReadyForQuery came (and was dropped); everything before it went to `emit`. */
  readyForQuery(): void;
  /** A whole ErrorResponse came: its body (fields, without type and length); returns the message to send instead. */
  error(body: Buffer): Buffer;
  /** Asked at the start of each DataRow and CommandComplete: cut the stream here? */
  shouldCut(): boolean;
  /** The stream was cut: `emit` got the start of a message and will get nothing more. */
  cut(): void;
  /** Asked at each ParseComplete: bytes to send right before it (Picodata's query-metadata notice). */
  beforeParseComplete?(): Buffer | undefined;
}

const HEADER = 5;
const BACKEND_KEY_DATA = 0x4b; // K
const PARAMETER_STATUS = 0x53; // S
const NOTICE_RESPONSE = 0x4e; // N
const READY_FOR_QUERY = 0x5a; // Z
const ROW_DESCRIPTION = 0x54; // T
const ERROR_RESPONSE = 0x45; // E
const DATA_ROW = 0x44; // D
const COMMAND_COMPLETE = 0x43; // C
const PARSE_COMPLETE = 0x31; // 1

/** A streaming filter over backend messages. Not for the bytes before the first message (there are none: the gateway answers SSLRequest itself). */
export class BackendFilter {
  readonly #hooks: BackendFilterHooks;
  readonly #header = Buffer.alloc(HEADER);
  #headerFill = 0;
  /** Body bytes of the current message still to come; meaningful once the header is whole. */
  #remaining = 0;
  #inBody = false;
  #dropping = false;
  /** Parts of a RowDescription or ErrorResponse body, held until it is whole. */
  #held: Buffer[] | undefined;
  #type = 0;
  #done = false;
  #pending: Buffer[] = [];

  constructor(hooks: BackendFilterHooks) {
    this.#hooks = hooks;
  }

  /** True once the stream was cut; later chunks are ignored. */
  get cutDone(): boolean {
    return this.#done;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.#done) {
      if (!this.#inBody) {
        // A header wholly inside this chunk is passed on as a slice of it; one split across chunks is copied.
        const whole = this.#headerFill === 0 && chunk.length - pos >= HEADER;
        const n = Math.min(HEADER - this.#headerFill, chunk.length - pos);
        chunk.copy(this.#header, this.#headerFill, pos, pos + n);
        this.#headerFill += n;
        pos += n;
        if (this.#headerFill < HEADER) break;
        this.#startMessage(chunk, pos, whole);
        if (this.#done) return;
      } else {
        const n = Math.min(this.#remaining, chunk.length - pos);
        if (this.#held) this.#held.push(chunk.subarray(pos, pos + n));
        else if (!this.#dropping) this.#pending.push(chunk.subarray(pos, pos + n));
        pos += n;
        this.#remaining -= n;
      }
      if (this.#inBody && this.#remaining === 0) this.#endMessage();
    }
    this.#flush();
  }

  /** The header is whole (and in `rest` just before `pos` when `wholeInRest`); `rest` from `pos` holds whatever of the body has come. */
  #startMessage(rest: Buffer, pos: number, wholeInRest: boolean): void {
    const type = this.#header[0] ?? 0;
    this.#type = type;
    // A length below 4 is garbage from the server; pass it on and let the client complain.
    this.#remaining = Math.max(0, this.#header.readInt32BE(1) - 4);
    this.#inBody = true;
    this.#headerFill = 0;
    this.#dropping = type === BACKEND_KEY_DATA || type === PARAMETER_STATUS || type === READY_FOR_QUERY || type === NOTICE_RESPONSE;
    if (this.#dropping) return;
    if (type === ERROR_RESPONSE) {
      // Rewritten whole, header included: its length changes.
      this.#held = [];
      return;
    }
    const header = wholeInRest ? rest.subarray(pos - HEADER, pos) : Buffer.from(this.#header);
    if ((type === DATA_ROW || type === COMMAND_COMPLETE) && this.#hooks.shouldCut()) {
      const part = Math.min(Math.floor(this.#remaining / 2), rest.length - pos);
      this.#pending.push(header, rest.subarray(pos, pos + part));
      this.#flush();
      this.#done = true;
      this.#hooks.cut();
      return;
    }
    if (type === PARSE_COMPLETE) {
      const before = this.#hooks.beforeParseComplete?.();
      if (before !== undefined) this.#pending.push(before);
    }
    this.#pending.push(header);
    if (type === ROW_DESCRIPTION) this.#held = [];
  }

  #endMessage(): void {
    this.#inBody = false;
    this.#dropping = false;
    const held = this.#held;
    if (held) {
      this.#held = undefined;
      // Usually the whole body came in one chunk: rewrite that slice of it, no copy.
      const body = (held.length === 1 ? held[0] : undefined) ?? Buffer.concat(held);
      if (this.#type === ERROR_RESPONSE) {
        this.#pending.push(this.#hooks.error(body));
      } else {
        widenIntegerColumns(body);
        this.#pending.push(body);
      }
    }
    if (this.#type === READY_FOR_QUERY) {
      this.#flush();
      this.#hooks.readyForQuery();
    }
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const bytes = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending);
    this.#pending = [];
    if (bytes && bytes.length > 0) this.#hooks.emit(bytes);
  }
}
