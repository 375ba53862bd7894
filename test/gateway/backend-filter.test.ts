import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendFilter } from '../../src/testkit/gateway/backend-filter.js';

function message(type: string, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const m = Buffer.alloc(5 + b.length);
  m.write(type, 0, 'latin1');
  m.writeInt32BE(4 + b.length, 1);
  b.copy(m, 5);
  return m;
}

const AUTH_OK = message('R', Buffer.from([0, 0, 0, 0]));
const KEY_DATA = message('K', Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]));
const PARAM = message('S', 'server_version\u000015.0\u0000');
const READY = message('Z', 'I');
const ROW = message('D', Buffer.from([0, 1, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
const DONE = message('C', 'SELECT 1\u0000');

function run(chunks: Buffer[], cutAt = -1) {
  const out: Buffer[] = [];
  const events: string[] = [];
  let asked = 0;
  const filter = new BackendFilter({
    emit: (b) => out.push(b),
    readyForQuery: () => events.push(`Z after ${Buffer.concat(out).length}`),
    error: (body) => {
      events.push('E');
      return message('E', Buffer.concat([Buffer.from('X'), body]));
    },
    shouldCut: () => asked++ === cutAt,
    cut: () => events.push('cut'),
  });
  for (const c of chunks) filter.push(c);
  return { bytes: Buffer.concat(out), events };
}

function split(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return parts;
}

/** A RowDescription with one field of type `oid` and size `size`. */
function rowDescription(name: string, oid: number, size: number): Buffer {
  const field = Buffer.alloc(name.length + 1 + 18);
  field.write(name, 0, 'latin1');
  field.writeUInt32BE(oid, name.length + 1 + 6);
  field.writeInt16BE(size, name.length + 1 + 10);
  field.writeInt32BE(-1, name.length + 1 + 12);
  const count = Buffer.alloc(2);
  count.writeInt16BE(1, 0);
  return message('T', Buffer.concat([count, field]));
}

test('BackendKeyData, ParameterStatus and ReadyForQuery are removed, everything else passes unchanged, whatever the chunking', () => {
  const stream = Buffer.concat([AUTH_OK, PARAM, KEY_DATA, READY, ROW, DONE, READY]);
  const expected = Buffer.concat([AUTH_OK, ROW, DONE]);
  for (const size of [1, 2, 3, 5, 7, 13, stream.length]) {
    const { bytes, events } = run(split(stream, size));
    assert.deepEqual(bytes, expected, `chunks of ${size}`);
    assert.deepEqual(events, [`Z after ${AUTH_OK.length}`, `Z after ${expected.length}`], `chunks of ${size}`);
  }
});

test('int2 and int4 columns are described as int8, other types as sent, whatever the chunking', () => {
  const stream = Buffer.concat([rowDescription('a', 21, 2), rowDescription('bb', 23, 4), rowDescription('c', 25, -1), READY]);
  const expected = Buffer.concat([rowDescription('a', 20, 8), rowDescription('bb', 20, 8), rowDescription('c', 25, -1)]);
  for (const size of [1, 4, 9, stream.length]) {
    assert.deepEqual(run(split(Buffer.from(stream), size)).bytes, expected, `chunks of ${size}`);
  }
});

test('each ErrorResponse is replaced, whole, by what the hook makes of it; notices are dropped', () => {
  const body = 'SERROR\u0000C42P01\u0000Mno\u0000\u0000';
  const notice = message('N', 'SNOTICE\u0000C00000\u0000Mskipping\u0000\u0000');
  const replaced = message('E', `X${body}`);
  for (const size of [1, 6, 1000]) {
    const { bytes, events } = run(split(Buffer.concat([notice, message('E', body), ROW, READY]), size));
    assert.deepEqual(events, ['E', `Z after ${replaced.length + ROW.length}`], `chunks of ${size}`);
    assert.deepEqual(bytes, Buffer.concat([replaced, ROW]), `chunks of ${size}`);
  }
});

test('a cut sends the header and part of the message, then nothing', () => {
  const stream = Buffer.concat([READY, ROW, DONE, READY]);
  const { bytes, events } = run([stream], 0);
  assert.deepEqual(events, ['Z after 0', 'cut']);
  assert.ok(bytes.length > 5 && bytes.length < ROW.length, `${bytes.length} bytes`);
  assert.deepEqual(bytes.subarray(0, 5), ROW.subarray(0, 5));
});

test('only DataRow and CommandComplete are asked about a cut', () => {
  const { events } = run([Buffer.concat([AUTH_OK, PARAM, READY, DONE])], 0);
  assert.ok(events.includes('cut'));
  const none = run([Buffer.concat([AUTH_OK, PARAM, READY])], 0);
  assert.ok(!none.events.includes('cut'));
});
