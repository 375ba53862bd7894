/**
 * `startCluster`: the stand-in behind the gateway as one handle, with instances added, removed and
 * put in other states, and a `stop()` that leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import pg from 'pg';
import { ConfigError } from '../../src/errors.js';
import { startCluster } from '../../src/testkit/index.js';
import { RawClient, withTimeout } from './raw-client.js';

const cluster = await startCluster({ instances: 2, spareAddresses: 1, record: false });
after(() => cluster.stop());

async function query(dsn: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const DISCOVERY = `SELECT pi.name, ppa.address, pi.current_state::text AS state FROM _pico_peer_address ppa
  JOIN _pico_instance pi ON ppa.raft_id = pi.raft_id WHERE connection_type = 'pgproto' ORDER BY pi.raft_id`;

test('the handle describes each instance with its gateway and backend addresses', () => {
  const [i1, i2] = cluster.instances;
  assert.equal(cluster.instances.length, 2);
  assert.equal(i1?.name, 'i1');
  assert.match(i1?.address ?? '', /^127\.0\.0\.1:\d+$/);
  assert.match(i2?.address ?? '', /^127\.0\.0\.2:\d+$/);
  assert.equal(i1?.backendAddress, cluster.standIn.instance('i1').address);
  assert.equal(i1?.state, 'Online');
  assert.equal(i1?.listening, true);
  assert.throws(() => cluster.instance('i9'), ConfigError);
  assert.throws(() => cluster.kill('i9'), ConfigError);
});

test('dsn points at the gateway, one instance or all', () => {
  const all = cluster.dsn('md5', { allInstances: true, params: { sslmode: 'disable' } });
  assert.ok(all.includes(`@${cluster.instances.map((i) => i.address).join(',')}/picots?sslmode=disable`), all);
  assert.ok(cluster.dsn('scram', { instance: 'i2' }).includes(`@${cluster.instance('i2').address}/`));
  assert.ok(!all.includes(String(cluster.standIn.port)));
});

test('setState changes what discovery says, not the gateway', { timeout: 15_000 }, async () => {
  await cluster.setState('i2', 'Offline');
  assert.equal(cluster.instance('i2').state, 'Offline');
  const { rows } = await query(cluster.dsn('scram', { instance: 'i2' }), DISCOVERY);
  assert.deepEqual(rows.map((r) => r.state), ['["Online",1]', '["Offline",1]']);
  await cluster.setState('i2', 'Online');
});

test('an added instance gets a listener whose address is advertised; hold makes it a joining one', { timeout: 20_000 }, async () => {
  const added = await cluster.addInstance({ state: 'Offline', hold: true });
  assert.equal(added.name, 'i3');
  assert.equal(added.held, true);
  assert.match(added.address, /^127\.0\.0\.3:\d+$/);

  let { rows } = await query(cluster.dsn(), DISCOVERY);
  assert.deepEqual(rows.at(-1), { name: 'i3', address: added.address, state: '["Offline",0]' });

  const waiting = new pg.Client({ connectionString: cluster.dsn('scram', { instance: 'i3' }), connectionTimeoutMillis: 400 });
  waiting.on('error', () => {});
  await assert.rejects(waiting.connect(), /timeout/i);

  await cluster.setState('i3', 'Online');
  cluster.release('i3');
  ({ rows } = await query(cluster.dsn('scram', { instance: 'i3' }), 'SELECT pico_instance_uuid() AS uuid'));
  assert.equal(rows[0].uuid, added.uuid);
});

test('a removed instance disappears from discovery and its listener closes', { timeout: 20_000 }, async () => {
  const { address } = cluster.instance('i3');
  await cluster.removeInstance('i3');
  assert.deepEqual(cluster.instances.map((i) => i.name), ['i1', 'i2']);
  const { rows } = await query(cluster.dsn(), DISCOVERY);
  assert.deepEqual(rows.map((r) => r.name), ['i1', 'i2']);
  await assert.rejects(RawClient.connect(address), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
});

test('record: false keeps startups but not messages', { timeout: 10_000 }, async () => {
  cluster.clearSessions();
  await query(cluster.dsn('scram', { instance: 'i1' }), 'SELECT 1');
  const [session] = cluster.sessions();
  assert.equal(session?.startup.user, cluster.users.scram.user);
  assert.deepEqual(session?.messages, []);
});

test('stop closes every port and the server, and may be called again', { timeout: 30_000 }, async () => {
  const other = await startCluster({ instances: 1, spareAddresses: 0 });
  const { address } = other.instance('i1');
  const client = new pg.Client({ connectionString: other.dsn(), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  const dataDir = other.standIn.describe().dataDir;
  await Promise.all([other.stop(), other.stop()]);
  await other.stop();
  await assert.rejects(RawClient.connect(address), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  await assert.rejects(RawClient.connect(other.instances[0]?.backendAddress ?? address), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  await withTimeout((async () => {
    while ((await postgresProcessesFor(dataDir)).length > 0) await sleep(50);
  })(), 10_000, 'the server processes to exit');
  await client.end().catch(() => {});
});

/** Live postgres processes whose command line names `dataDir`. */
async function postgresProcessesFor(dataDir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(dataDir)) found.push(Number(entry));
  }
  return found;
}
