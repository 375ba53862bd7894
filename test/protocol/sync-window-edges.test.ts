/**
 * The edges of a Sync window that a real server cannot be made to hit on cue: a deadline or a lost socket
 * between a statement's error and the window's ReadyForQuery. The server is a node:net listener on 127.0.0.1
 * that sends no BackendKeyData (as Picodata), so Sync coalescing is on, and answers each window as told.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { AbortError, ConnectionError, ServerError } from '../../src/errors.js';
import { Connection } from '../../src/protocol/connection.js';
import { eventually, sleep } from '../helpers/wait.js';
import { cstring, int16, int32, message } from '../helpers/backend-messages.js';
import { loopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

const CASE = { timeout: 15_000 };
const DEADLINE = { timeout: 5_000 };


const READY = message('Z', Buffer.from('I'));
const ROW_DESCRIPTION = message('T', Buffer.concat([int16(1), cstring('c'), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]));
/** Every reply of one `prepare: false` SELECT with one text column and one row `value`. */
function selectReplies(value: string): Buffer {
  const row = message('D', Buffer.concat([int16(1), int32(Buffer.byteLength(value)), Buffer.from(value)]));
  return Buffer.concat([message('1'), message('2'), ROW_DESCRIPTION, row, message('C', cstring('SELECT 1'))]);
}
const DUPLICATE = message('E', Buffer.concat([cstring('SERROR'), cstring('C23505'), cstring('Mduplicate key'), Buffer.from([0])]));

/** A server that hands each window the client writes (the frontend message types up to a Sync) to `onWindow`. */
async function scriptedServer(onWindow: (socket: net.Socket, types: string[], index: number) => void): Promise<LoopbackServer & { windows: string[][] }> {
  const windows: string[][] = [];
  const server = await loopbackServer((socket) => {
    let pending = Buffer.alloc(0);
    let startedUp = false;
    let types: string[] = [];
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!startedUp) {
        const length = pending.length >= 4 ? pending.readUInt32BE(0) : Infinity;
        if (pending.length < length) return;
        startedUp = true;
        pending = pending.subarray(length);
        socket.write(Buffer.concat([message('R', int32(0)), READY]));
      }
      while (pending.length >= 5 && pending.length >= 1 + pending.readUInt32BE(1)) {
        const type = String.fromCharCode(pending[0]!);
        pending = pending.subarray(1 + pending.readUInt32BE(1));
        types.push(type);
        if (type === 'S') {
          windows.push(types);
          onWindow(socket, types, windows.length - 1);
          types = [];
        }
      }
    });
  });
  return { port: server.port, windows, close: () => server.close() };
}

const connect = (port: number): Promise<Connection> => Connection.connect({ host: '127.0.0.1', port, user: 'u', ssl: 'disable', connectTimeout: 5_000 });
const NO_PREPARE = { prepare: false, ...DEADLINE };
const executes = (types: string[]): number => types.filter((t) => t === 'E').length;

test('a skipped statement aborted before its window ends fails as never run, and the connection stays', CASE, async () => {
  let answerWindow: (() => void) | undefined;
  const server = await scriptedServer((socket, types, index) => {
    if (index === 0) {
      // The first statement runs, the second fails; the third is skipped. ReadyForQuery waits for the test.
      socket.write(Buffer.concat([selectReplies('one'), DUPLICATE]));
      answerWindow = () => socket.write(READY);
    } else {
      socket.write(Buffer.concat([...Array.from({ length: executes(types) }, () => selectReplies('again')), READY]));
    }
  });
  const conn = await connect(server.port);
  try {
    assert.equal(conn.syncCoalescing, true);
    const abort = new AbortController();
    const first = conn.fetchval('SELECT 1', [], NO_PREPARE);
    const second = conn.fetchval('SELECT 2', [], NO_PREPARE);
    const third = conn.fetchval('SELECT 3', [], { ...NO_PREPARE, signal: abort.signal });
    const secondFailed = assert.rejects(second, (error: unknown) => error instanceof ServerError && error.code === '23505');
    assert.ok(await eventually(() => answerWindow !== undefined, 5_000), 'the window arrived');
    assert.deepEqual(server.windows[0]!.filter((t) => t === 'E' || t === 'S'), ['E', 'E', 'E', 'S'], 'three statements, one Sync');
    abort.abort();
    await assert.rejects(third, (error: unknown) => {
      assert.ok(error instanceof AbortError, String(error));
      assert.equal(error.mayHaveReachedServer, false);
      assert.match(error.message, /did not run/);
      return true;
    });
    assert.equal(conn.isReady(), true, 'nothing had to be destroyed');
    answerWindow!();
    assert.equal(await first, 'one');
    await secondFailed;
    // The aborted statement is not written again; the next one is answered on the same connection.
    assert.equal(await conn.fetchval('SELECT 4', [], NO_PREPARE), 'again');
    assert.equal(server.windows.length, 2);
    assert.equal(executes(server.windows[1]!), 1);
  } finally {
    await conn.close();
    await server.close();
  }
});

test('the socket lost after an error mid-window: the skipped statement never ran, the failed one keeps its error', CASE, async () => {
  const server = await scriptedServer((socket) => {
    socket.write(Buffer.concat([selectReplies('one'), DUPLICATE]), () => setTimeout(() => socket.destroy(), 20));
  });
  const conn = await connect(server.port);
  try {
    const settled = await Promise.allSettled([
      conn.fetchval('SELECT 1', [], NO_PREPARE),
      conn.fetchval('SELECT 2', [], NO_PREPARE),
      conn.fetchval('SELECT 3', [], NO_PREPARE),
    ]);
    const [done, failed, skipped] = settled.map((s) => (s as PromiseRejectedResult).reason as unknown);
    // Completed, but its window's ReadyForQuery never came: reported as of unknown outcome.
    assert.ok(done instanceof ConnectionError && done.mayHaveReachedServer, String(done));
    assert.ok(failed instanceof ServerError && failed.code === '23505', String(failed));
    assert.ok(skipped instanceof ConnectionError, String(skipped));
    assert.equal(skipped.mayHaveReachedServer, false);
    assert.match(skipped.message, /did not run/);
  } finally {
    await conn.close();
    await server.close();
  }
});

test('the socket lost mid-window with no error: every statement not answered may have run', CASE, async () => {
  const server = await scriptedServer((socket) => {
    socket.write(selectReplies('one'), () => setTimeout(() => socket.destroy(), 20));
  });
  const conn = await connect(server.port);
  try {
    const settled = await Promise.allSettled([
      conn.fetchval('SELECT 1', [], NO_PREPARE),
      conn.fetchval('SELECT 2', [], NO_PREPARE),
      conn.fetchval('SELECT 3', [], NO_PREPARE),
    ]);
    for (const s of settled) {
      const error = (s as PromiseRejectedResult).reason as unknown;
      assert.ok(error instanceof ConnectionError && error.mayHaveReachedServer, String(error));
    }
  } finally {
    await conn.close();
    await server.close();
  }
});

test('nothing is written behind a window of several statements until its ReadyForQuery', CASE, async () => {
  let answerWindow: (() => void) | undefined;
  const server = await scriptedServer((socket, types, index) => {
    const replies = Buffer.concat([...Array.from({ length: executes(types) }, () => selectReplies(`w${index}`)), READY]);
    if (index === 0) answerWindow = () => socket.write(replies);
    else socket.write(replies);
  });
  const conn = await connect(server.port);
  try {
    const first = [conn.fetchval('SELECT 1', [], NO_PREPARE), conn.fetchval('SELECT 2', [], NO_PREPARE)];
    assert.ok(await eventually(() => answerWindow !== undefined, 5_000), 'the window arrived');
    const later = conn.fetchval('SELECT 3', [], NO_PREPARE);
    await sleep(50);
    assert.equal(server.windows.length, 1, 'the third statement waits for the first window');
    answerWindow!();
    assert.deepEqual(await Promise.all(first), ['w0', 'w0']);
    assert.equal(await later, 'w1');
  } finally {
    await conn.close();
    await server.close();
  }
});
