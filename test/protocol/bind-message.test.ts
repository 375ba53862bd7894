import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindSize, writeBind } from '../../src/protocol/bind-message.js';

/** A Bind as the pipeline writes it: sized first, then written in place, here behind a few other bytes. */
function bindMessage(statement: string, values: readonly (string | null)[]): Buffer {
  const size = bindSize(statement, values);
  const window = Buffer.alloc(3 + size, 0xee);
  assert.equal(writeBind(window, 3, statement, values), 3 + size, 'writes exactly the size it gave');
  return window.subarray(3);
}

/** Reads a Bind message back field by field, as a server would. */
function readBind(buf: Buffer): { portal: string; statement: string; formats: number; values: (string | null)[]; resultFormats: number } {
  assert.equal(String.fromCharCode(buf[0]!), 'B');
  assert.equal(buf.readInt32BE(1), buf.length - 1, 'the length covers the message after its type byte');
  let at = 5;
  const cstring = (): string => {
    const end = buf.indexOf(0, at);
    const s = buf.toString('utf8', at, end);
    at = end + 1;
    return s;
  };
  const portal = cstring();
  const statement = cstring();
  const formats = buf.readInt16BE(at);
  const count = buf.readUInt16BE(at + 2);
  at += 4;
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const len = buf.readInt32BE(at);
    at += 4;
    values.push(len < 0 ? null : buf.toString('utf8', at, at + len));
    if (len > 0) at += len;
  }
  const resultFormats = buf.readInt16BE(at);
  assert.equal(at + 2, buf.length, 'nothing after the result format count');
  return { portal, statement, formats, values, resultFormats };
}

test('a Bind carries the statement, every value in text (NULL, empty, multibyte) and text results', () => {
  const values = ['1', null, '', 'ünïcødé ✓ 𝄞', 'x'.repeat(300)];
  assert.deepEqual(readBind(bindMessage('picots_7', values)), { portal: '', statement: 'picots_7', formats: 0, values, resultFormats: 0 });
  assert.deepEqual(readBind(bindMessage('', [])), { portal: '', statement: '', formats: 0, values: [], resultFormats: 0 });
});

test('a statement with more parameters than any before it is encoded whole', () => {
  const values = Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : String(i)));
  assert.deepEqual(readBind(bindMessage('s', values)).values, values);
  // And a short one right after still is.
  assert.deepEqual(readBind(bindMessage('s', ['a', 'b'])).values, ['a', 'b']);
});
