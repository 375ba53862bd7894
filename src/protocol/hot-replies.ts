/**
 * The replies every statement gets, read straight from the socket's bytes: BindComplete, DataRow,
 * CommandComplete and ReadyForQuery (and ParseComplete, once per prepared statement). A pipelined statement
 * costs a few microseconds of client CPU in all; building a message object for each of its replies, as a
 * general parser does, was a measurable share of that. Every other message still goes through pg-protocol's
 * parser, one message at a time.
 */
import { ProtocolError } from '../errors.js';

export const PARSE_COMPLETE = 0x31; // '1'
export const BIND_COMPLETE = 0x32; // '2'
export const COMMAND_COMPLETE = 0x43; // 'C'
export const DATA_ROW = 0x44; // 'D'
export const READY_FOR_QUERY = 0x5a; // 'Z'

/** The offset of a message's body: its type byte and 4-byte length come first. */
export const BODY = 5;

/**
 * The values of the DataRow whose body is `bytes[start..end)`: text, or `null` for SQL NULL.
 * @throws {ProtocolError} when a value's length runs past the message.
 */
export function readDataRow(bytes: Buffer, start: number, end: number): (string | null)[] {
  if (start + 2 > end) throw truncated('DataRow');
  const count = (bytes[start]! << 8) | bytes[start + 1]!;
  const values = new Array<string | null>(count);
  let at = start + 2;
  for (let i = 0; i < count; i++) {
    if (at + 4 > end) throw truncated('DataRow');
    const length = bytes.readInt32BE(at);
    at += 4;
    if (length < 0) {
      values[i] = null;
      continue;
    }
    if (at + length > end) throw truncated('DataRow');
    values[i] = bytes.toString('utf8', at, at + length);
    at += length;
  }
  return values;
}

/** The tag read last, with its bytes: a pipeline of one statement gets the same tag again and again. */
let lastTag = '';
let lastTagBytes = Buffer.alloc(0);

/**
 * The command tag of the CommandComplete whose body is `bytes[start..end)` (a NUL-terminated string).
 * The same tag as last time is returned without decoding it again.
 */
export function readCommandTag(bytes: Buffer, start: number, end: number): string {
  const length = end - start - 1;
  if (length < 0 || bytes[end - 1] !== 0) throw truncated('CommandComplete');
  const last = lastTagBytes;
  if (length === last.length) {
    let i = 0;
    while (i < length && bytes[start + i] === last[i]) i++;
    if (i === length) return lastTag;
  }
  lastTag = bytes.toString('utf8', start, start + length);
  lastTagBytes = Buffer.from(bytes.subarray(start, start + length));
  return lastTag;
}

function truncated(what: string): ProtocolError {
  return new ProtocolError(`the server sent a ${what} message whose contents run past its length`);
}
