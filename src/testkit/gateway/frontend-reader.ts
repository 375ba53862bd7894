/**
 * Reads what a client sends: the first packet of a connection (length and a 32-bit code, no type byte:
 * SSLRequest, GSSENCRequest, CancelRequest or a StartupMessage) and then typed messages (a type byte,
 * a 32-bit length that counts itself, the body). Bytes arrive in chunks of any size; a message is
 * handed out only when it is whole.
 */

/** The code of an SSLRequest. */
export const SSL_REQUEST_CODE = 80877103;
/** The code of a GSSENCRequest. */
export const GSSENC_REQUEST_CODE = 80877104;
/** The code of a CancelRequest. */
export const CANCEL_REQUEST_CODE = 80877102;
/** Protocol 3.0, the only one Picodata speaks. */
export const PROTOCOL_3_0 = 3 << 16;

// PostgreSQL's own bound on a first packet (MAX_STARTUP_PACKET_LENGTH).
const MAX_FIRST_PACKET = 10_000;
// PostgreSQL refuses messages over 1 GB (PQ_LARGE_MESSAGE_LIMIT).
const MAX_MESSAGE = 0x3fffffff;

/** The first packet of a connection, decoded. */
export type FirstPacket =
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gssenc' }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'startup'; readonly protocol: number; readonly parameters: Readonly<Record<string, string>> }
  | { readonly kind: 'invalid'; readonly reason: string };

/** One typed message from the client; `raw` is the whole message as sent, type byte included. */
export interface FrontendMessage {
  readonly type: string;
  readonly body: Buffer;
  readonly raw: Buffer;
}

/** The client broke the framing; the connection cannot go on. */
export class FramingError extends Error {}

/** Readable names of the frontend message types, for records and messages. */
export const FRONTEND_MESSAGE_NAMES: Readonly<Record<string, string>> = {
  Q: 'Query', P: 'Parse', B: 'Bind', E: 'Execute', D: 'Describe', C: 'Close', S: 'Sync', H: 'Flush',
  X: 'Terminate', p: 'PasswordMessage', F: 'FunctionCall', d: 'CopyData', c: 'CopyDone', f: 'CopyFail',
};

/** Collects chunks and cuts whole messages off their front. */
export class FrontendReader {
  private chunks: Buffer[] = [];
  private length = 0;

  /** Adds bytes as they came from the socket. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** How many bytes are waiting. */
  get buffered(): number {
    return this.length;
  }

  /** The first packet, once whole; `undefined` until then. Throws {@link FramingError} on a bad length. */
  readFirst(): FirstPacket | undefined {
    if (this.length < 4) return undefined;
    const size = this.peek(4).readInt32BE(0);
    if (size < 8 || size > MAX_FIRST_PACKET) throw new FramingError(`a first packet of ${size} bytes`);
    if (this.length < size) return undefined;
    return decodeFirstPacket(this.take(size).subarray(4));
  }

  /** The next typed message, once whole; `undefined` until then. Throws {@link FramingError} on a bad length. */
  readMessage(): FrontendMessage | undefined {
    if (this.length < 5) return undefined;
    const header = this.peek(5);
    const size = header.readInt32BE(1);
    if (size < 4 || size > MAX_MESSAGE) throw new FramingError(`a message of ${size} bytes`);
    if (this.length < size + 1) return undefined;
    const raw = this.take(size + 1);
    return { type: String.fromCharCode(header[0] ?? 0), body: raw.subarray(5), raw };
  }

  /** The first `n` bytes as one buffer, without consuming them; joins chunks only as far as needed. */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const whole = this.peek(n);
    const taken = whole.subarray(0, n);
    if (whole.length === n) this.chunks.shift();
    else this.chunks[0] = whole.subarray(n);
    this.length -= n;
    return taken;
  }
}

/** Decodes the body of a first packet (the bytes after its length). */
export function decodeFirstPacket(body: Buffer): FirstPacket {
  const code = body.readInt32BE(0);
  if (code === SSL_REQUEST_CODE) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST_CODE) return { kind: 'cancel' };
  if (code >> 16 !== 3) return { kind: 'invalid', reason: `protocol ${code >> 16}.${code & 0xffff} (only 3.x is spoken)` };
  const parameters: Record<string, string> = {};
  const fields = body.subarray(4).toString('utf8').split('\0');
  // The list ends with an empty name; the split leaves one more empty string after it.
  if (fields.length < 2 || fields.at(-1) !== '' || fields.at(-2) !== '' || fields.length % 2 !== 0) {
    return { kind: 'invalid', reason: 'a startup message whose parameter list is not NUL-terminated pairs' };
  }
  for (let i = 0; i + 1 < fields.length - 1; i += 2) parameters[fields[i] ?? ''] = fields[i + 1] ?? '';
  return { kind: 'startup', protocol: code, parameters };
}

/** A StartupMessage with these parameters (protocol 3.0). */
export function encodeStartup(parameters: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(parameters).flatMap(([name, value]) => [name, value]);
  const body = Buffer.from(`${pairs.map((s) => `${s}\0`).join('')}\0`, 'utf8');
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(PROTOCOL_3_0, 4);
  body.copy(message, 8);
  return message;
}

/** The SQL text of a Query or Parse message; `undefined` for other types. */
export function messageSql(message: Pick<FrontendMessage, 'type' | 'body'>): string | undefined {
  if (message.type === 'Q') return cString(message.body, 0);
  if (message.type === 'P') {
    const nameEnd = message.body.indexOf(0);
    return nameEnd < 0 ? undefined : cString(message.body, nameEnd + 1);
  }
  return undefined;
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end < 0 ? buffer.length : end);
}
