/**
 * A session's query-metadata notices (`pico_query_metadata=true`): each Parse waits until its notice is
 * computed (the catalog is read asynchronously), then goes to the server; the notice goes to the client
 * right before the server's ParseComplete for that Parse, and never when the Parse fails or the server
 * skipped it after an earlier error. Replies come in the order the messages went out, one ReadyForQuery per
 * Sync or Query, so notices are queued per Sync *segment*: an ErrorResponse kills what is left of the oldest
 * segment, a ReadyForQuery ends it. Simple-protocol Queries never get a notice, as on Picodata.
 */
import type { FrontendMessage } from './frontend-reader.js';
import { messageSql } from './frontend-reader.js';
import { declaredParamOids, metadataNotice, statementMetadata, type TableLookup } from './query-metadata-notice.js';

const PARSE = 0x50; // P
const SYNC = 0x53; // S
const QUERY = 0x51; // Q

/** Picodata's handshake error for a value of `pico_query_metadata` other than `true`/`false` (Rust's bool parser). */
export const BAD_QUERY_METADATA_VALUE = 'error parsing value for option pico_query_metadata: provided string was not `true` or `false`';

/**
 * Whether a startup asked for query metadata: the top-level parameter wins over the one inside `options`
 * (already checked by the options parser). A string is Picodata's error: the handshake fails with it.
 */
export function queryMetadataRequested(parameters: Readonly<Record<string, string>>, options: ReadonlyArray<readonly [string, string]>): boolean | string {
  const top = parameters.pico_query_metadata;
  if (top !== undefined) return top === 'true' ? true : top === 'false' ? false : BAD_QUERY_METADATA_VALUE;
  return options.some(([name, value]) => name === 'pico_query_metadata' && value === 'true');
}

/** See the file's comment. One per session that asked for metadata. */
export class MetadataNotices {
  readonly #lookup: TableLookup;
  readonly #resume: () => void;
  /** The Parse whose notice is being computed (held), or computed and waiting to be handled. */
  #parse: FrontendMessage | undefined;
  #notice: Buffer | undefined;
  #busy = false;
  #ready = false;
  /** Notices of forwarded Parses, per Sync segment; the first is the oldest unanswered one, the last the open one. */
  readonly #segments: Array<Array<Buffer | undefined>> = [[]];

  /** `lookup` finds a table's distribution; `resume` is called when a held Parse may go on. */
  constructor(lookup: TableLookup, resume: () => void) {
    this.#lookup = lookup;
    this.#resume = resume;
  }

  /** True while a Parse waits for its notice: read no further message. */
  get busy(): boolean {
    return this.#busy;
  }

  /** The Parse whose notice is ready, to be handled now (once). */
  takeReady(): FrontendMessage | undefined {
    if (!this.#ready) return undefined;
    this.#ready = false;
    return this.#parse;
  }

  /**
   * Holds a Parse until its notice is computed (true: do not handle it now; `resume` follows). Any other
   * message, or the Parse once computed, is not held.
   */
  hold(message: FrontendMessage): boolean {
    if (message.type !== 'P' || message === this.#parse) return false;
    const sql = messageSql(message) ?? '';
    this.#parse = message;
    this.#notice = undefined;
    this.#busy = true;
    statementMetadata(sql, declaredParamOids(message.body), this.#lookup)
      // The catalog could not be read: the statement still gets its notice, without a key.
      .catch(() => ({ tier: null, dkMeta: [] }))
      .then((metadata) => {
        if (this.#parse !== message) return;
        this.#notice = metadataNotice(sql, metadata);
        this.#busy = false;
        this.#ready = true;
        this.#resume();
      }, () => undefined);
    return true;
  }

  /** The notice computed for this Parse, for a ParseComplete the gateway answers itself (BEGIN, SET). */
  noticeOf(message: FrontendMessage): Buffer | undefined {
    return message === this.#parse ? this.#notice : undefined;
  }

  /** A message went to the server (one message per call, as the conversation writes them). */
  sentToServer(bytes: Buffer): void {
    const type = bytes[0];
    if (type === PARSE) {
      this.#segments[this.#segments.length - 1]!.push(this.#parse?.raw === bytes ? this.#notice : undefined);
    } else if (type === SYNC || type === QUERY) {
      this.#segments.push([]);
    }
  }

  /** The server's ParseComplete is next: the notice to send before it, if any. */
  parseComplete(): Buffer | undefined {
    return this.#segments[0]!.shift();
  }

  /** The server sent an ErrorResponse: the rest of its segment is skipped, so those Parses get no notice. */
  serverError(): void {
    this.#segments[0]!.length = 0;
  }

  /** The server sent a ReadyForQuery: its segment is over. */
  serverReady(): void {
    this.#segments.shift();
    if (this.#segments.length === 0) this.#segments.push([]);
  }
}
