import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Connection } from '../../src/protocol/connection.js';
import { ConfigError, ConnectionError, ProtocolError, ServerError, TimeoutError } from '../../src/errors.js';
import { sleep } from '../helpers/wait.js';
import { cstring, int16, int32, message } from '../helpers/backend-messages.js';
import { loopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

/**
 * A broken or hostile server must never crash the client or make it allocate without bound: every call
 * fails with a typed error within its deadline. The "server" is a node:net listener on 127.0.0.1 that speaks
 * just enough of the protocol to get a query in flight, then misbehaves as each case says.
 */

const CASE_TIMEOUT = { timeout: 15_000 };
/** Every query and connect below has its own deadline, so a hang fails the case instead of stalling it. */
const QUERY_DEADLINE = { timeout: 5_000 };


const AUTH_OK = message('R', int32(0));
const READY = message('Z', Buffer.from('I'));
const PARSE_COMPLETE = message('1');
const BIND_COMPLETE = message('2');
const NO_PARAMS = message('t', int16(0));
function rowDescription(columns: number): Buffer {
  const fields = Array.from({ length: columns }, (_, i) => Buffer.concat([cstring(`c${i}`), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]));
  return message('T', Buffer.concat([int16(columns), ...fields]));
}
function dataRow(values: string[]): Buffer {
  return message('D', Buffer.concat([int16(values.length), ...values.flatMap((v) => [int32(Buffer.byteLength(v)), Buffer.from(v)])]));
}
function errorResponse(fields: Record<string, string>): Buffer {
  return message('E', Buffer.concat([...Object.entries(fields).map(([k, v]) => cstring(`${k}${v}`)), Buffer.from([0])]));
}
/** The replies up to the first DataRow of `SELECT` with one text column. */
const QUERY_PREFIX = Buffer.concat([PARSE_COMPLETE, NO_PARAMS, rowDescription(1), BIND_COMPLETE]);

interface Script {
  /** What to answer to the StartupMessage; default AuthenticationOk + ReadyForQuery. */
  onStartup?: (socket: net.Socket) => void;
  /** What to answer to the first query. */
  onQuery?: (socket: net.Socket) => void;
}

function hostileServer(script: Script): Promise<LoopbackServer> {
  return loopbackServer((socket) => {
    let startedUp = false;
    socket.on('data', () => {
      if (!startedUp) {
        startedUp = true;
        (script.onStartup ?? ((s) => s.write(Buffer.concat([AUTH_OK, READY]))))(socket);
      } else {
        script.onQuery?.(socket);
        script.onQuery = undefined;
      }
    });
  });
}

function connect(port: number, extra: { connectTimeout?: number; maxMessageSize?: number } = {}): Promise<Connection> {
  return Connection.connect({ host: '127.0.0.1', port, user: 'app', password: 'Secret123', ssl: 'disable', connectTimeout: 5_000, ...extra });
}

/** The query fails with an error that says its outcome is unknown, caused by a ProtocolError. */
function outcomeUnknownByProtocol(match?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ConnectionError, String(error));
    assert.equal(error.mayHaveReachedServer, true);
    assert.match(error.message, /outcome of the query is unknown/);
    assert.ok(error.cause instanceof ProtocolError, String(error.cause));
    if (match !== undefined) assert.match((error.cause as Error).message, match);
    return true;
  };
}

async function withServer(script: Script, body: (port: number) => Promise<void>): Promise<void> {
  const server = await hostileServer(script);
  try {
    await body(server.port);
  } finally {
    await server.close();
  }
}

test('garbage after startup fails the query with a typed error and drops the connection', CASE_TIMEOUT, () =>
  withServer({ onQuery: (s) => s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n') }, async (port) => {
    const conn = await connect(port);
    const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol());
    assert.ok((await closed) instanceof ProtocolError);
    assert.ok(conn.isClosed());
    await assert.rejects(conn.query('SELECT 1'), (e: unknown) => e instanceof ConnectionError && !e.mayHaveReachedServer);
  }));

test('a message that claims 1 GB fails at its header, mid-query and during startup', CASE_TIMEOUT, async () => {
  const huge = Buffer.alloc(5 + 1000);
  huge.write('D', 0, 'latin1');
  huge.writeUInt32BE(1_000_000_000, 1);
  await withServer({ onQuery: (s) => s.write(Buffer.concat([QUERY_PREFIX, huge])) }, async (port) => {
    const conn = await connect(port);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/announced a 'D' message of 1000000000 bytes, more than maxMessageSize \(67108864\)/));
  });
  await withServer({ onStartup: (s) => s.write(huge) }, async (port) => {
    await assert.rejects(connect(port), (e: unknown) => e instanceof ProtocolError && /maxMessageSize/.test(e.message));
  });
});

test('maxMessageSize is an option: a smaller limit refuses a smaller message; bad values are ConfigErrors', CASE_TIMEOUT, async () => {
  await withServer({ onQuery: (s) => s.write(Buffer.concat([QUERY_PREFIX, dataRow(['x'.repeat(10_000)])])) }, async (port) => {
    const conn = await connect(port, { maxMessageSize: 8192 });
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/more than maxMessageSize \(8192\)/));
  });
  for (const bad of [0, 100, 1.5, 2 ** 31, -1, NaN]) {
    await assert.rejects(connect(1, { maxMessageSize: bad }), (e: unknown) => e instanceof ConfigError && e.option === 'maxMessageSize');
  }
});

test('an unexpected message type mid-query is a protocol violation', CASE_TIMEOUT, async () => {
  await withServer({ onQuery: (s) => s.write(Buffer.concat([PARSE_COMPLETE, message('K', Buffer.concat([int32(1), int32(2)]))])) }, async (port) => {
    const conn = await connect(port);
    const second = conn.query('SELECT 2', [], QUERY_DEADLINE);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/'backendKeyData'/));
    // The query pipelined behind it was written too: its outcome is just as unknown.
    await assert.rejects(second, outcomeUnknownByProtocol());
  });
  await withServer({ onQuery: (s) => s.write(Buffer.concat([PARSE_COMPLETE, message('X', Buffer.from('junk'))])) }, async (port) => {
    const conn = await connect(port);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/type byte 0x58/));
  });
});

test('a server that closes mid-DataRow fails the query with an unknown outcome', CASE_TIMEOUT, () =>
  withServer({
    onQuery: (s) => {
      const row = dataRow(['y'.repeat(100_000)]);
      s.write(Buffer.concat([QUERY_PREFIX, row.subarray(0, 50_000)]), () => s.destroy());
    },
  }, async (port) => {
    const conn = await connect(port);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), (e: unknown) => {
      assert.ok(e instanceof ConnectionError, String(e));
      assert.equal(e.mayHaveReachedServer, true);
      assert.equal(e.phase, "result", e.message + " / " + String(e.cause));
      return true;
    });
  }));

test('an ErrorResponse with an unknown code during startup fails connect with a ServerError', CASE_TIMEOUT, () =>
  withServer({ onStartup: (s) => s.end(errorResponse({ S: 'FATAL', C: 'ZZ999', M: 'something odd' })) }, async (port) => {
    await assert.rejects(connect(port), (e: unknown) => e instanceof ServerError && e.code === 'ZZ999' && /something odd/.test(e.message));
  }));

test('a server that never answers after AuthenticationOk fails connect at connectTimeout', CASE_TIMEOUT, () =>
  withServer({ onStartup: (s) => s.write(AUTH_OK) }, async (port) => {
    await assert.rejects(connect(port, { connectTimeout: 300 }), (e: unknown) => e instanceof TimeoutError && e.phase === 'connect' && !e.mayHaveReachedServer);
  }));

test('a DataRow with more columns than its RowDescription is a protocol violation', CASE_TIMEOUT, () =>
  withServer({ onQuery: (s) => s.write(Buffer.concat([QUERY_PREFIX, dataRow(['a', 'b']), message('C', cstring('SELECT 1')), READY])) }, async (port) => {
    const conn = await connect(port);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/DataRow with 2 values for a RowDescription of 1 columns/));
  }));

test('a DataRow or CommandComplete whose contents run past its length is a protocol violation', CASE_TIMEOUT, async () => {
  const overrun = message('D', Buffer.concat([int16(1), int32(1_000), Buffer.from('abc')]));
  await withServer({ onQuery: (s) => s.write(Buffer.concat([QUERY_PREFIX, overrun, message('C', cstring('SELECT 1')), READY])) }, async (port) => {
    const conn = await connect(port);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/DataRow message whose contents run past its length/));
    assert.ok(conn.isClosed());
  });
  const unterminated = message('C', Buffer.from('SELECT 1'));
  await withServer({ onQuery: (s) => s.write(Buffer.concat([QUERY_PREFIX, dataRow(['a']), unterminated, READY])) }, async (port) => {
    const conn = await connect(port);
    await assert.rejects(conn.query('SELECT 1', [], QUERY_DEADLINE), outcomeUnknownByProtocol(/CommandComplete message/));
  });
});

test('replies with no query waiting are a protocol violation, not silently dropped', CASE_TIMEOUT, () =>
  withServer({ onStartup: (s) => s.write(Buffer.concat([AUTH_OK, READY, dataRow(['stray'])])) }, async (port) => {
    const conn = await connect(port).catch((e: unknown) => e);
    // The stray row may arrive with the handshake's last bytes or just after; either way the session ends.
    if (conn instanceof Connection) {
      const reason = conn.isClosed() ? undefined : await new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
      if (reason !== undefined) assert.ok(reason instanceof ProtocolError, String(reason));
      assert.ok(conn.isClosed());
    } else {
      assert.ok(conn instanceof ProtocolError, String(conn));
    }
  }));

test('a dead connection drops its buffers, and its errors do not keep the connection alive', CASE_TIMEOUT, async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const collect = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(20);
    }
  };
  const declared = 48 * 1024 * 1024;
  const sent = 40 * 1024 * 1024;
  await withServer({
    onQuery: (s) => {
      const header = Buffer.alloc(5);
      header.write('D', 0, 'latin1');
      header.writeUInt32BE(declared, 1);
      s.write(Buffer.concat([QUERY_PREFIX, header, Buffer.alloc(sent)]), () => s.destroy());
    },
  }, async (port) => {
    await collect();
    const before = process.memoryUsage().arrayBuffers;
    let conn: Connection | undefined = await connect(port);
    const error = await conn.query('SELECT 1', [], QUERY_DEADLINE).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ConnectionError && error.mayHaveReachedServer, String(error));
    // Still holding the connection: the 40 MB it had received of the unfinished message are gone.
    await collect();
    const held = process.memoryUsage().arrayBuffers - before;
    assert.ok(held < sent / 4, `a dead connection still holds ${held} bytes`);
    // Holding only the error: the connection itself can be collected.
    const ref = new WeakRef(conn);
    conn = undefined;
    await collect();
    assert.equal(ref.deref(), undefined, 'the error keeps the connection alive');
    assert.ok(error.message.length < 1000);
  });
});
