import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Connection } from '../../src/protocol/connection.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { AbortError, ConnectionError, ProtocolError, TimeoutError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

function target() {
  const dsn = parseDsn(standIn.dsn('scram'));
  return { host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database, ssl: 'disable' as const };
}

/** A TCP listener that accepts and then says nothing: how Picodata behaves before an instance is Online. */
async function silentListener(): Promise<{ port: number; sockets: net.Socket[]; closed: () => number; close: () => void }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  const server = net.createServer((s) => {
    sockets.push(s);
    s.resume();
    s.on('close', () => closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    closed: () => closed,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test('the connect deadline covers a server that accepts TCP and never answers the handshake', async () => {
  const silent = await silentListener();
  try {
    const started = performance.now();
    await assert.rejects(Connection.connect({ host: '127.0.0.1', port: silent.port, user: 'u', ssl: 'disable', connectTimeout: 300 }), (error: unknown) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.phase, 'connect');
      assert.equal(error.mayHaveReachedServer, false);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 5000, `gave up after ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(silent.sockets.length, 1);
    assert.equal(silent.closed(), 1, 'the client closed its socket');
  } finally {
    silent.close();
  }
});

test('the connect deadline also covers the TLS negotiation (sslmode=prefer waits for the SSLRequest answer)', async () => {
  const silent = await silentListener();
  try {
    await assert.rejects(Connection.connect({ host: '127.0.0.1', port: silent.port, user: 'u', ssl: 'prefer', connectTimeout: 200 }), TimeoutError);
  } finally {
    silent.close();
  }
});

test('aborting connect with a signal stops it at once', async () => {
  const silent = await silentListener();
  try {
    const controller = new AbortController();
    const pending = Connection.connect({ host: '127.0.0.1', port: silent.port, user: 'u', ssl: 'disable', signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(pending, AbortError);
  } finally {
    silent.close();
  }
});

test('connection refused is a ConnectionError in phase connect that never reached a server', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(Connection.connect({ host: '127.0.0.1', port, user: 'u', ssl: 'disable' }), (error: unknown) => {
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.phase, 'connect');
    assert.equal(error.mayHaveReachedServer, false);
    assert.match(error.message, /ECONNREFUSED/);
    return true;
  });
});

test('a query timeout after sending destroys the connection and says the outcome is unknown', async () => {
  const conn = await Connection.connect(target());
  const neighbour = conn.fetchval('SELECT pg_sleep(2)');
  const started = performance.now();
  await assert.rejects(conn.fetchval('SELECT pg_sleep(5)', [], { timeout: 150 }), (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.mayHaveReachedServer, true);
    assert.match(error.message, /may have been executed/);
    return true;
  });
  assert.ok(performance.now() - started < 2000);
  await assert.rejects(neighbour, (error: unknown) => {
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.mayHaveReachedServer, true);
    return true;
  });
  assert.ok(conn.isClosed());
});

test('a query aborted before it was written is withdrawn; the connection stays usable', async () => {
  const conn = await Connection.connect(target());
  try {
    const controller = new AbortController();
    const pending = conn.fetchval('SELECT 1', [], { signal: controller.signal });
    controller.abort(); // same tick: the query is still waiting for the next write
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof AbortError);
      assert.equal(error.mayHaveReachedServer, false);
      return true;
    });
    assert.equal(await conn.fetchval('SELECT 2'), 2);
    assert.ok(conn.isReady());
  } finally {
    await conn.close();
  }
});

test('a query aborted while the server runs it destroys the connection (Picodata cannot cancel)', async () => {
  const conn = await Connection.connect(target());
  const controller = new AbortController();
  const pending = conn.fetchval('SELECT pg_sleep(5)', [], { signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(pending, (error: unknown) => {
    assert.ok(error instanceof AbortError);
    assert.equal(error.mayHaveReachedServer, true);
    return true;
  });
  assert.ok(conn.isClosed());
});

test('an already-aborted signal rejects without sending', async () => {
  const conn = await Connection.connect(target());
  try {
    await assert.rejects(conn.fetchval('SELECT 1', [], { signal: AbortSignal.abort() }), AbortError);
    assert.equal(conn.inFlight, 0);
  } finally {
    await conn.close();
  }
});

test('a server that sends garbage fails the connect with a typed error and no crash', async () => {
  const server = net.createServer((socket) => socket.once('data', () => socket.end(Buffer.from('Z\x00\x00\x00\x05Q' + 'garbage'.repeat(3)))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as net.AddressInfo).port;
    await assert.rejects(Connection.connect({ host: '127.0.0.1', port, user: 'u', ssl: 'disable', connectTimeout: 2000 }), (error: unknown) => {
      assert.ok(error instanceof ProtocolError || error instanceof ConnectionError, String(error));
      return true;
    });
  } finally {
    server.close();
  }
});

test('a query withdrawn before it was written still prepares the statement that the queries queued behind it use', async () => {
  const conn = await Connection.connect(target());
  try {
    const sql = `SELECT $1::int8 + 1 AS withdrawn_${process.pid}`;
    const controller = new AbortController();
    const first = conn.fetchval(sql, [1], { signal: controller.signal });
    const second = conn.fetchval(sql, [2]);
    const third = conn.fetchval(sql, [3]);
    controller.abort();
    await assert.rejects(first, (e: unknown) => e instanceof AbortError && e.mayHaveReachedServer === false);
    assert.deepEqual(await Promise.all([second, third]), [3, 4]);
    assert.equal(conn.preparedStatementCount, 1);
    assert.equal(await conn.fetchval(sql, [9]), 10);
    assert.equal(conn.inFlight, 0);
  } finally {
    await conn.close();
  }
});
