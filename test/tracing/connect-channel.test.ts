import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { AuthenticationError, Connection, ConnectionError, Pool, TimeoutError, TRACING_CHANNELS, type ConnectTraceContext } from '../../src/index.js';
import { int32, message } from '../helpers/backend-messages.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { useStandIn } from '../helpers/stand-in.js';
import { eventsOf, recordTracing, secretsIn } from './record-channels.js';

const standIn = await useStandIn();
const { user, password } = standIn.users.scram;
const WRONG = 'Wr0ngTracePassw0rd';

function target() {
  const dsn = parseDsn(standIn.dsn('scram'));
  return { host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database };
}

async function traced(fn: () => Promise<unknown>): Promise<ConnectTraceContext[]> {
  const trace = recordTracing<ConnectTraceContext>(TRACING_CHANNELS.connect);
  try {
    await fn();
  } finally {
    trace.stop();
  }
  const contexts = [...new Set(trace.records.map((r) => r.ctx))];
  for (const ctx of contexts) {
    const events = eventsOf(trace.records, ctx);
    assert.ok(
      ['start,end,asyncStart,asyncEnd', 'start,end,error,asyncStart,asyncEnd'].includes(events.join()),
      `events of one connect: ${events.join()}`,
    );
    assert.equal(trace.records.find((r) => r.ctx === ctx)!.seen.phase, 'tcp', 'a connect starts at tcp');
  }
  assert.deepEqual(secretsIn(trace.records.map((r) => r.ctx), [password, WRONG]), [], 'no password in any payload');
  return contexts;
}

test('a plain connect: address, user, database, tls false, phase done, the connection as result', async () => {
  let conn: Connection | undefined;
  const [ctx, ...rest] = await traced(async () => {
    conn = await Connection.connect({ ...target(), ssl: 'disable' });
  });
  try {
    assert.equal(rest.length, 0);
    const t = target();
    assert.equal(ctx!.serverAddress, t.host);
    assert.equal(ctx!.serverPort, t.port);
    assert.equal(ctx!.user, user);
    assert.equal(ctx!.database, t.database);
    assert.equal(ctx!.dbSystemName, 'picodata');
    assert.equal(ctx!.tls, false);
    assert.equal(ctx!.instance, undefined);
    assert.equal(ctx!.phase, 'done');
    assert.equal(ctx!.result, conn);
    assert.equal(ctx!.error, undefined);
  } finally {
    await conn?.close();
  }
});

test('a TLS connect says tls true', async () => {
  const [ctx] = await traced(async () => {
    const conn = await Connection.connect({ ...target(), ssl: 'require' });
    await conn.close();
  });
  assert.equal(ctx!.tls, true);
  assert.equal(ctx!.phase, 'done');
});

test('a wrong password fails in the authentication phase, with neither password in the payload', async () => {
  const [ctx] = await traced(() => assert.rejects(Connection.connect({ ...target(), password: WRONG, ssl: 'disable' }), AuthenticationError));
  assert.ok(ctx!.error instanceof AuthenticationError);
  assert.equal(ctx!.phase, 'authentication');
});

test('a TLS connect with a wrong password also fails in the authentication phase (TLS went through)', async () => {
  const [ctx] = await traced(() => assert.rejects(Connection.connect({ ...target(), password: WRONG, ssl: 'require' }), AuthenticationError));
  assert.equal(ctx!.phase, 'authentication');
  assert.equal(ctx!.tls, true);
});

test('a refused port fails in the tcp phase', async () => {
  const [ctx] = await traced(() => assert.rejects(Connection.connect({ ...target(), port: 1, ssl: 'disable', connectTimeout: 2_000 }), ConnectionError));
  assert.equal(ctx!.phase, 'tcp');
  assert.equal(ctx!.serverPort, 1);
});

test('connections the pool opens name their instance; the seed connection of discovery names none', async () => {
  const contexts = await traced(async () => {
    const pool = new Pool({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), maxSize: 3, enableDiscovery: true });
    try {
      await pool.fetchval('SELECT 1');
    } finally {
      await pool.close();
    }
  });
  const named = contexts.filter((c) => c.instance !== undefined);
  assert.ok(named.length >= 1, 'the instances\' own connections carry the instance');
  for (const c of named) {
    const known = standIn.instances.find((i) => i.uuid === c.instance!.uuid);
    assert.ok(known, `a known uuid: ${c.instance!.uuid}`);
    assert.equal(`${c.serverAddress}:${c.serverPort}`, known.address);
    assert.equal(c.instance!.name, known.name);
    assert.equal(c.phase, 'done');
  }
  assert.ok(contexts.some((c) => c.instance === undefined), 'the seed connection of discovery has no instance yet');
});

test('a server that accepts the login and never sends ReadyForQuery (an instance not yet Online) fails in the ready phase', { timeout: 30_000 }, async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // Whatever the StartupMessage says: AuthenticationOk, then silence.
    socket.once('data', () => socket.write(message('R', int32(0))));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const [ctx] = await traced(() => assert.rejects(Connection.connect({ host: '127.0.0.1', port, user: 'app', ssl: 'disable', connectTimeout: 300 }), TimeoutError));
    assert.equal(ctx!.phase, 'ready');
    assert.ok(ctx!.error instanceof TimeoutError);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a server that agrees to TLS and then hangs up fails in the tls phase', { timeout: 30_000 }, async () => {
  const server = net.createServer((socket) => {
    // 'S' to the SSLRequest, then the connection ends before any TLS handshake.
    socket.once('data', () => socket.end('S'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const [ctx] = await traced(() => assert.rejects(Connection.connect({ host: '127.0.0.1', port, user: 'app', ssl: 'require', connectTimeout: 5_000 }), ConnectionError));
    assert.equal(ctx!.phase, 'tls');
    assert.equal(ctx!.tls, true);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
