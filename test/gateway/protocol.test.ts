/**
 * The gateway behaves like Picodata where a client can tell: forwarding per instance, discovery showing
 * the gateway's addresses, no BackendKeyData, Picodata's `options` format, one statement per Query, no
 * GSSENC or cancel requests, and a record of what clients sent. Tested with `pg` and raw sockets, not
 * with picots, so the gateway stands on its own.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { DatabaseError, DataRowMessage } from 'pg-protocol/dist/messages.js';
import { startCluster, unexpectedStatements } from '../../src/testkit/index.js';
import { RawClient } from './raw-client.js';

const cluster = await startCluster({ instances: 3 });
after(() => cluster.stop());

const clients: Array<pg.Client | RawClient> = [];
after(async () => {
  for (const c of clients) {
    if (c instanceof RawClient) c.destroy();
    else await c.end().catch(() => {});
  }
});

async function connectPg(instance: string, extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: cluster.dsn('scram', { instance }), connectionTimeoutMillis: 5000, ...extra });
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  return client;
}

async function raw(instance: string): Promise<RawClient> {
  const client = await RawClient.connect(cluster.instance(instance).address);
  clients.push(client);
  return client;
}

test('each listener forwards to its own instance', { timeout: 20_000 }, async () => {
  for (const instance of cluster.instances) {
    assert.notEqual(instance.address, instance.backendAddress);
    const client = await connectPg(instance.name);
    const { rows } = await client.query('SELECT pico_instance_uuid() AS uuid');
    assert.equal(rows[0].uuid, instance.uuid, `through ${instance.address}`);
    await client.end();
  }
});

test('discovery through the gateway returns the gateway addresses', { timeout: 10_000 }, async () => {
  const client = await connectPg('i2');
  const { rows } = await client.query(`SELECT ppa.address, pi.name, pi.current_state FROM _pico_peer_address ppa
    JOIN _pico_instance pi ON ppa.raft_id = pi.raft_id WHERE connection_type = 'pgproto' ORDER BY pi.raft_id`);
  assert.deepEqual(rows.map((r) => [r.name, r.address]), cluster.instances.map((i) => [i.name, i.address]));
  await client.end();
});

test('BackendKeyData never reaches the client', { timeout: 10_000 }, async () => {
  const client = await raw('i1');
  const handshake = await client.login(cluster.users.cleartext, cluster.databases.current);
  const names = handshake.map((m) => m.name);
  assert.ok(names.includes('authenticationOk'), names.join(','));
  assert.ok(!names.includes('backendKeyData'), names.join(','));
  const viaPg = await connectPg('i1');
  assert.equal((viaPg as unknown as { processID: number | null }).processID, null);
  await viaPg.end();
});

test('SSLRequest is answered N, then the startup goes on in plaintext', { timeout: 10_000 }, async () => {
  const client = await raw('i3');
  assert.equal(await client.requestSsl(), 'N');
  await client.login(cluster.users.cleartext, cluster.databases.current);
  assert.equal(cluster.sessions('i3').at(-1)?.sslRequested, true);
});

test('GSSENCRequest and CancelRequest are closed with no reply', { timeout: 10_000 }, async () => {
  const gss = Buffer.alloc(8);
  gss.writeInt32BE(8, 0);
  gss.writeInt32BE(80877104, 4);
  for (const packet of [gss, serialize.cancel(1234, 5678)]) {
    const client = await raw('i1');
    client.send(packet);
    await client.closed;
    assert.equal(client.bytesReceived, 0);
  }
  const reasons = cluster.sessions('i1').slice(-2).map((s) => s.closeReason);
  assert.match(reasons[0] ?? '', /GSSENCRequest/);
  assert.match(reasons[1] ?? '', /CancelRequest/);
});

test('valid options are recorded and removed before PostgreSQL sees them', { timeout: 10_000 }, async () => {
  cluster.clearSessions();
  // PostgreSQL would refuse `read_preference=replica` as command-line switches; the session works.
  const client = await connectPg('i2', { options: 'read_preference=replica,sql_motion_row_max=10000' } as Partial<pg.ClientConfig>);
  const { rows } = await client.query('SELECT 1 AS one');
  assert.equal(rows[0].one, '1', 'an int8, which pg returns as a string');
  const [session] = cluster.sessions('i2');
  assert.deepEqual(session?.options, [['read_preference', 'replica'], ['sql_motion_row_max', '10000']]);
  assert.equal(session?.startup.options, 'read_preference=replica,sql_motion_row_max=10000');
  assert.equal(session?.startup.user, cluster.users.scram.user);
  await client.end();
});

test('malformed options drop the connection with no ErrorResponse', { timeout: 10_000 }, async () => {
  for (const options of ['foo', 'read_preference=nearest', '-c statement_timeout=5']) {
    const client = await raw('i2');
    client.send(serialize.startup({ user: cluster.users.cleartext.user, database: cluster.databases.current, options }));
    await client.closed;
    assert.equal(client.bytesReceived, 0, options);
    assert.match(cluster.sessions('i2').at(-1)?.closeReason ?? '', /malformed options/, options);
  }
  await assert.rejects(connectPg('i2', { options: 'foo' } as Partial<pg.ClientConfig>), (error: Error & { code?: string }) => {
    assert.equal(error.code, undefined, 'no SQLSTATE: the server said nothing');
    return true;
  });
});

test('a Query with several statements is refused like Picodata, and the session goes on', { timeout: 10_000 }, async () => {
  const client = await connectPg('i1');
  await assert.rejects(client.query('SELECT 1; SELECT 2'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'XX000');
    assert.match(error.message, /^sbroad: rule parsing error: {2}--> 1:11\n/);
    return true;
  });
  const { rows } = await client.query("SELECT ';' AS semi;");
  assert.equal(rows[0].semi, ';');
  await client.end();
});

test('a refused Query is answered in its place in a pipeline', { timeout: 10_000 }, async () => {
  const client = await raw('i3');
  await client.login(cluster.users.cleartext, cluster.databases.current);
  client.send(Buffer.concat([
    serialize.query('SELECT pg_sleep(0.2), 1 AS first'),
    serialize.query('SELECT 1; SELECT 2'),
    serialize.query('SELECT 3 AS third'),
  ]));
  const first = await client.untilReady();
  const refused = await client.untilReady();
  const third = await client.untilReady();
  const rowValue = (ms: typeof first) => (ms.find((m) => m.name === 'dataRow') as DataRowMessage | undefined)?.fields.at(-1);
  assert.equal(rowValue(first), '1');
  assert.deepEqual(refused.map((m) => m.name), ['error', 'readyForQuery']);
  assert.equal((refused[0] as DatabaseError).code, 'XX000');
  assert.equal(rowValue(third), '3');
});

test('every message a client sends is recorded, with the SQL of Query and Parse', { timeout: 10_000 }, async () => {
  cluster.clearSessions();
  const client = await connectPg('i3');
  await client.query('SELECT 1');
  await client.query({ name: 'by_id', text: 'SELECT $1::int AS n', values: [7] });
  await client.end();
  const [session] = cluster.sessions('i3');
  assert.ok(session);
  const types = session.messages.map((m) => m.type);
  // SCRAM: the SASL initial response and the final message are both 'p'.
  assert.deepEqual(types, ['p', 'p', 'Q', 'P', 'B', 'D', 'E', 'S', 'X']);
  assert.deepEqual(session.messages.filter((m) => m.sql !== undefined).map((m) => [m.name, m.sql]), [
    ['Query', 'SELECT 1'],
    ['Parse', 'SELECT $1::int AS n'],
  ]);
  assert.ok(session.messages.every((m) => !('body' in m)), 'no password is kept');
  assert.deepEqual(unexpectedStatements(cluster.sessions()), []);
});

test('unexpectedStatements finds what a client should never send on its own', { timeout: 10_000 }, async () => {
  cluster.clearSessions();
  const client = await connectPg('i1');
  await client.query('SET application_name = x');
  await client.query('SELECT typname FROM pg_type LIMIT 1');
  await client.query('BEGIN');
  await client.query('ROLLBACK');
  await client.end();
  assert.deepEqual(unexpectedStatements(cluster.sessions()), [
    'SET application_name = x', 'SELECT typname FROM pg_type LIMIT 1', 'BEGIN', 'ROLLBACK',
  ]);
});
