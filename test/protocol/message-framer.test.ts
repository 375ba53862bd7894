import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../src/errors.js';
import { MessageFramer } from '../../src/protocol/message-framer.js';

function message(type: string, bodyLength: number): Buffer {
  const b = Buffer.alloc(5 + bodyLength, 0x61);
  b.write(type, 0, 'latin1');
  b.writeUInt32BE(bodyLength + 4, 1);
  return b;
}

/** Feeds `chunks` and returns the runs handed on, checking each is whole messages. */
function feed(framer: MessageFramer, chunks: Buffer[]): Buffer {
  const out: Buffer[] = [];
  for (const chunk of chunks) framer.push(chunk, (run) => out.push(Buffer.from(run)));
  return Buffer.concat(out);
}

test('whole messages pass through in order however the stream is cut', () => {
  const stream = Buffer.concat([message('1', 0), message('D', 3), message('T', 40), message('Z', 1), message('D', 0)]);
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b += 3) {
      const framer = new MessageFramer(1024, 'test');
      const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
      assert.deepEqual(feed(framer, chunks), stream, `cut at ${a}, ${b}`);
    }
  }
});

test('a header is refused as soon as its 5 bytes are in: unknown type, impossible or too large length', () => {
  const tooLong = message('D', 0);
  tooLong.writeUInt32BE(2048, 1);
  const short = message('C', 0);
  short.writeUInt32BE(3, 1);
  for (const [bad, pattern] of [[message('X', 2), /type byte 0x58/], [tooLong, /2048 bytes, more than maxMessageSize \(1024\)/], [short, /impossible length 3/]] as const) {
    for (let cut = 1; cut <= 5; cut++) {
      const framer = new MessageFramer(1024, 'test');
      assert.throws(() => feed(framer, [message('1', 0), bad.subarray(0, cut), bad.subarray(cut)]), (e: unknown) => e instanceof ProtocolError && pattern.test(e.message));
    }
  }
});
