import { ProtocolError } from '../errors.js';

/** Type bytes of the backend messages picots' parser reads; anything else is not the protocol. */
const BACKEND_TYPES = new Uint8Array(256);
for (const c of 'RSKZTDCEN123nstIGHdcAW') BACKEND_TYPES[c.charCodeAt(0)] = 1;

const HEADER = 5;

/**
 * Cuts the byte stream from the server into whole backend messages before the parser sees them, so that
 * what a server claims cannot make the client allocate without bound: each header is checked (known type,
 * length from 4 to `maxMessageSize`) as soon as its 5 bytes arrive, before any of the body is buffered.
 * Whole messages go to the parser in place; only a message split across chunks is copied, into one buffer
 * of exactly its size.
 */
export class MessageFramer {
  readonly #maxMessageSize: number;
  readonly #address: string;
  /** The header of a message split across chunks, while fewer than 5 bytes of it have arrived. */
  #header = Buffer.alloc(HEADER);
  #headerFilled = 0;
  /** The message being assembled across chunks, and how much of it has arrived. */
  #partial: Buffer | undefined;
  #partialFilled = 0;

  constructor(maxMessageSize: number, address: string) {
    this.#maxMessageSize = maxMessageSize;
    this.#address = address;
  }

  /**
   * Takes one chunk from the socket; calls `onMessages` with runs of whole messages, in order.
   * @throws {ProtocolError} at the first header that is not a backend message or is too long.
   */
  push(chunk: Buffer, onMessages: (messages: Buffer) => void): void {
    let offset = 0;
    if (this.#headerFilled > 0) {
      const take = Math.min(HEADER - this.#headerFilled, chunk.length);
      chunk.copy(this.#header, this.#headerFilled, 0, take);
      this.#headerFilled += take;
      offset = take;
      if (this.#headerFilled < HEADER) return;
      this.#headerFilled = 0;
      this.#startPartial(this.#header, 0);
    }
    if (this.#partial !== undefined) {
      const partial = this.#partial;
      const take = Math.min(partial.length - this.#partialFilled, chunk.length - offset);
      chunk.copy(partial, this.#partialFilled, offset, offset + take);
      this.#partialFilled += take;
      offset += take;
      if (this.#partialFilled < partial.length) return;
      this.#partial = undefined;
      onMessages(partial);
    }
    const start = offset;
    const end = chunk.length;
    while (offset + HEADER <= end) {
      const size = 1 + this.#check(chunk, offset);
      if (offset + size > end) break;
      offset += size;
    }
    if (offset > start) onMessages(start === 0 && offset === end ? chunk : chunk.subarray(start, offset));
    if (offset === end) return;
    if (end - offset < HEADER) {
      chunk.copy(this.#header, 0, offset, end);
      this.#headerFilled = end - offset;
    } else {
      this.#startPartial(chunk, offset);
      const partial = this.#partial!;
      chunk.copy(partial, 0, offset, end);
      this.#partialFilled = end - offset;
    }
  }

  /** Drops whatever is buffered (the connection is gone). */
  reset(): void {
    this.#partial = undefined;
    this.#partialFilled = 0;
    this.#headerFilled = 0;
  }

  #startPartial(bytes: Buffer, offset: number): void {
    const size = 1 + this.#check(bytes, offset);
    this.#partial = Buffer.allocUnsafe(size);
    bytes.copy(this.#partial, 0, offset, offset + HEADER);
    this.#partialFilled = HEADER;
  }

  /** Validates the header at `offset`; returns the declared length (which counts itself, not the type byte). */
  #check(bytes: Buffer, offset: number): number {
    const type = bytes[offset]!;
    const length = bytes.readUInt32BE(offset + 1);
    if (BACKEND_TYPES[type] === 0) {
      throw new ProtocolError(`${this.#address} sent bytes that are not a backend message (type byte 0x${type.toString(16).padStart(2, '0')})`);
    }
    if (length < 4) throw new ProtocolError(`${this.#address} sent a '${String.fromCharCode(type)}' message with an impossible length ${length}`);
    if (length > this.#maxMessageSize) {
      throw new ProtocolError(
        `${this.#address} announced a '${String.fromCharCode(type)}' message of ${length} bytes, more than maxMessageSize (${this.#maxMessageSize}); nothing of it was buffered`,
      );
    }
    return length;
  }
}
