import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialize } from 'pg-protocol';
import {
  decodeFirstPacket, encodeStartup, FramingError, FrontendReader, messageSql, PROTOCOL_3_0,
} from '../../src/testkit/gateway/frontend-reader.js';

function byteByByte(reader: FrontendReader, bytes: Buffer): void {
  for (const b of bytes) reader.push(Buffer.from([b]));
}

test('a startup message is decoded, also when it comes byte by byte', () => {
  const reader = new FrontendReader();
  const startup = encodeStartup({ user: 'u', database: 'd', options: 'read_preference=replica' });
  byteByByte(reader, startup.subarray(0, startup.length - 1));
  assert.equal(reader.readFirst(), undefined);
  reader.push(startup.subarray(startup.length - 1));
  assert.deepEqual(reader.readFirst(), {
    kind: 'startup', protocol: PROTOCOL_3_0, parameters: { user: 'u', database: 'd', options: 'read_preference=replica' },
  });
  assert.equal(reader.buffered, 0);
});

test('SSLRequest, GSSENCRequest and CancelRequest are told apart', () => {
  const reader = new FrontendReader();
  reader.push(serialize.requestSsl());
  assert.deepEqual(reader.readFirst(), { kind: 'ssl' });
  reader.push(serialize.cancel(1, 2));
  assert.deepEqual(reader.readFirst(), { kind: 'cancel' });
  const gss = Buffer.alloc(8);
  gss.writeInt32BE(8, 0);
  gss.writeInt32BE(80877104, 4);
  reader.push(gss);
  assert.deepEqual(reader.readFirst(), { kind: 'gssenc' });
});

test('another protocol or a broken parameter list is invalid', () => {
  const v2 = Buffer.alloc(8);
  v2.writeInt32BE(2 << 16, 0);
  assert.equal(decodeFirstPacket(v2).kind, 'invalid');
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0u\0')]);
  assert.equal(decodeFirstPacket(body).kind, 'invalid');
});

test('a first packet with an absurd length is a framing error', () => {
  const reader = new FrontendReader();
  reader.push(Buffer.from([0, 0, 0x7f, 0, 0, 0, 0, 0]));
  assert.throws(() => reader.readFirst(), FramingError);
});

test('typed messages come out whole and in order, with their SQL', () => {
  const reader = new FrontendReader();
  const bytes = Buffer.concat([
    serialize.query('SELECT 1'),
    serialize.parse({ name: 's1', text: 'SELECT $1::int', types: [] }),
    serialize.sync(),
  ]);
  byteByByte(reader, bytes);
  const q = reader.readMessage();
  const p = reader.readMessage();
  const s = reader.readMessage();
  assert.equal(reader.readMessage(), undefined);
  assert.deepEqual([q?.type, p?.type, s?.type], ['Q', 'P', 'S']);
  assert.equal(q && messageSql(q), 'SELECT 1');
  assert.equal(p && messageSql(p), 'SELECT $1::int');
  assert.equal(s && messageSql(s), undefined);
  assert.deepEqual(Buffer.concat([q?.raw ?? Buffer.alloc(0), p?.raw ?? Buffer.alloc(0), s?.raw ?? Buffer.alloc(0)]), bytes);
});
