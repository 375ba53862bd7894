import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BODY, readCommandTag, readDataRow } from '../../src/protocol/hot-replies.js';
import { ProtocolError } from '../../src/errors.js';
import { cstring, int16, int32, message } from '../helpers/backend-messages.js';

function dataRowBytes(values: (string | null)[]): Buffer {
  return message('D', Buffer.concat([int16(values.length), ...values.flatMap((v) => (v === null ? [int32(-1)] : [int32(Buffer.byteLength(v)), Buffer.from(v)]))]));
}

/** Reads a message's body from inside a larger chunk, as the connection does. */
function inChunk(msg: Buffer): { bytes: Buffer; start: number; end: number } {
  const bytes = Buffer.concat([Buffer.from('junk before'), msg, Buffer.from('junk after')]);
  return { bytes, start: 11 + BODY, end: 11 + msg.length };
}

test('a DataRow gives its values: text, NULL, empty and multibyte, read from inside a larger chunk', () => {
  const values = ['1', null, '', 'ünïcødé ✓ 𝄞', 'x'.repeat(70_000)];
  const { bytes, start, end } = inChunk(dataRowBytes(values));
  assert.deepEqual(readDataRow(bytes, start, end), values);
  const empty = inChunk(dataRowBytes([]));
  assert.deepEqual(readDataRow(empty.bytes, empty.start, empty.end), []);
});

test('a DataRow whose contents run past its length is a ProtocolError, never a read beyond it', () => {
  const cases = [
    message('D', Buffer.concat([int16(1), int32(10), Buffer.from('abc')])), // value longer than the message
    message('D', Buffer.concat([int16(2), int32(1), Buffer.from('a')])), // a second value that is not there
    message('D', Buffer.from([0])), // not even the count
  ];
  for (const msg of cases) {
    const { bytes, start, end } = inChunk(msg);
    assert.throws(() => readDataRow(bytes, start, end), (e: unknown) => e instanceof ProtocolError && /DataRow/.test(e.message));
  }
});

test('a command tag is read whole; the same tag again gives an equal string; a changed tag is read anew', () => {
  const read = (tag: string): string => {
    const { bytes, start, end } = inChunk(message('C', cstring(tag)));
    return readCommandTag(bytes, start, end);
  };
  assert.equal(read('SELECT 1'), 'SELECT 1');
  assert.equal(read('SELECT 1'), 'SELECT 1');
  assert.equal(read('SELECT 2'), 'SELECT 2', 'same length, other bytes');
  assert.equal(read('INSERT 0 15'), 'INSERT 0 15');
  assert.equal(read(''), '');
  assert.equal(read('ÜPDATE 1'), 'ÜPDATE 1');
});

test('a CommandComplete without its closing NUL is a ProtocolError', () => {
  const { bytes, start, end } = inChunk(message('C', Buffer.from('SELECT 1')));
  assert.throws(() => readCommandTag(bytes, start, end), ProtocolError);
  const none = inChunk(message('C'));
  assert.throws(() => readCommandTag(none.bytes, none.start, none.end), ProtocolError);
});
