/**
 * The gateway's controls: kill/revive, blackhole, delay, cut mid-result, hold/release and terminating
 * sessions. Each test uses its own instance or puts it back as it found it; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import pg from 'pg';
import { startCluster } from '../../src/testkit/index.js';
import { RawClient, withTimeout } from './raw-client.js';

const cluster = await startCluster({ instances: 3 });
after(() => cluster.stop());

const clients: pg.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await withTimeout(c.end(), 2000, 'client end').catch(() => {});
  for (const i of cluster.instances) {
    cluster.release(i.name);
    cluster.unblackhole(i.name);
    cluster.delay(i.name, 0);
    if (!i.listening) await cluster.revive(i.name);
  }
});

function newClient(instance: string, connectionTimeoutMillis = 5000): pg.Client {
  const client = new pg.Client({ connectionString: cluster.dsn('scram', { instance }), connectionTimeoutMillis });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

async function connected(instance: string): Promise<pg.Client> {
  const client = newClient(instance);
  await client.connect();
  return client;
}

async function uuidVia(client: pg.Client): Promise<string> {
  const { rows } = await client.query('SELECT pico_instance_uuid() AS uuid');
  return rows[0].uuid as string;
}

test('kill refuses connects and resets sessions; revive listens again on the same address', { timeout: 20_000 }, async () => {
  const address = cluster.instance('i1').address;
  const before = await connected('i1');
  await cluster.kill('i1');
  assert.equal(cluster.instance('i1').listening, false);
  await assert.rejects(before.query('SELECT 1'), /Connection terminated|ECONNRESET|not queryable/);
  await assert.rejects(RawClient.connect(address), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  await assert.rejects(newClient('i1').connect(), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  assert.equal(cluster.sessions('i1').at(-1)?.closeReason, 'killed');

  await cluster.revive('i1');
  assert.equal(cluster.instance('i1').address, address);
  assert.equal(await uuidVia(await connected('i1')), cluster.instance('i1').uuid);
});

test('blackhole: connects succeed but the handshake never completes; open sessions freeze until lifted', { timeout: 20_000 }, async () => {
  const open = await connected('i2');
  cluster.blackhole('i2');

  const raw = await RawClient.connect(cluster.instance('i2').address);
  try {
    assert.equal(await raw.requestSsl(300).catch(() => 'no answer'), 'no answer');
  } finally {
    raw.destroy();
  }
  await assert.rejects(newClient('i2', 500).connect(), /timeout/i);

  let answered = false;
  const pending = open.query('SELECT 42 AS answer').then((r) => {
    answered = true;
    return r.rows[0].answer as string;
  });
  await sleep(300);
  assert.equal(answered, false, 'no answer while blackholed');

  cluster.unblackhole('i2');
  // Every integer is int8 on Picodata, which pg returns as a string.
  assert.equal(await withTimeout(pending, 5000, 'the query after unblackhole'), '42');
});

test('delay slows every server-to-client write', { timeout: 20_000 }, async () => {
  const client = await connected('i3');
  cluster.delay('i3', 300);
  let started = Date.now();
  await client.query('SELECT 1');
  assert.ok(Date.now() - started >= 290, `took ${Date.now() - started} ms`);
  cluster.delay('i3', 0);
  started = Date.now();
  await client.query('SELECT 1');
  assert.ok(Date.now() - started < 250, `took ${Date.now() - started} ms`);
});

test('cutNextResult fails the next result mid-way, once', { timeout: 20_000 }, async () => {
  const victim = await connected('i1');
  cluster.cutNextResult('i1');
  await assert.rejects(victim.query('SELECT generate_series(1, 1000) AS n'), /Connection terminated unexpectedly/);
  const session = cluster.sessions('i1').at(-1);
  assert.equal(session?.closeReason, 'cut mid-result');
  assert.equal(session?.state, 'closed');
  const next = await connected('i1');
  const { rows } = await next.query('SELECT generate_series(1, 1000) AS n');
  assert.equal(rows.length, 1000);
});

test('hold keeps handshakes waiting until release; open sessions go on', { timeout: 20_000 }, async () => {
  const open = await connected('i2');
  cluster.hold('i2');
  assert.equal(await uuidVia(open), cluster.instance('i2').uuid);

  await assert.rejects(newClient('i2', 500).connect(), /timeout/i);
  const held = newClient('i2');
  let done = false;
  const connecting = held.connect().then(() => { done = true; });
  await sleep(300);
  assert.equal(done, false, 'the handshake waits');
  assert.equal(cluster.sessions('i2').at(-1)?.state, 'handshake');
  assert.equal(cluster.sessions('i2').at(-1)?.startup.user, cluster.users.scram.user, 'the startup was read');

  cluster.release('i2');
  await withTimeout(connecting, 5000, 'the released handshake');
  assert.equal(await uuidVia(held), cluster.instance('i2').uuid);
});

test('terminateSessions closes open sessions and keeps listening', { timeout: 20_000 }, async () => {
  const client = await connected('i3');
  cluster.terminateSessions('i3');
  await assert.rejects(client.query('SELECT 1'), /Connection terminated|not queryable/);
  assert.equal(cluster.sessions('i3').at(-1)?.closeReason, 'terminated');
  assert.equal(await uuidVia(await connected('i3')), cluster.instance('i3').uuid);
});

test('a stand-in terminating backends reaches the client as a server close', { timeout: 20_000 }, async () => {
  const client = await connected('i1');
  assert.equal(await cluster.standIn.terminateBackends('i1'), 1);
  await assert.rejects(client.query('SELECT 1'), /terminat|not queryable/i);
  await withTimeout((async () => {
    while (cluster.sessions('i1').at(-1)?.state !== 'closed') await sleep(20);
  })(), 5000, 'the session to close');
  assert.equal(cluster.sessions('i1').at(-1)?.closeReason, 'the server closed the session');
});
