/**
 * Fault injection in your own tests, with node's test runner: `startCluster()` runs a local stand-in for a
 * Picodata cluster (a real PostgreSQL behind a gateway that behaves like Picodata's pgproto) and can kill,
 * revive, blackhole or slow down each instance. It needs PostgreSQL's server programs on the machine
 * (`initdb`, `postgres`; or set PICOTS_PG_BINDIR).
 *
 *   node --import tsx --test fault-injection.test.ts            (in your project)
 *   TSX_TSCONFIG_PATH=examples/tsconfig.json node --import tsx --test examples/fault-injection.test.ts   (in a picots checkout)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, OutcomeUnknownError, Pool } from 'picots';
import { startCluster, type Cluster } from 'picots/testkit';

let cluster: Cluster;
let client: Client;

before(async () => {
  cluster = await startCluster({ instances: 3 });
  // Your code under test gets the cluster's DSN as it would get a real one.
  client = new Client({ dsn: cluster.dsn('scram'), poolSize: 6 });
  await client.connect();
  await client.execute('CREATE TABLE IF NOT EXISTS visits (id int8 PRIMARY KEY, n int8 NOT NULL)');
});

after(async () => {
  await client?.close();
  await cluster?.stop();
});

test('reads keep working while an instance is down, and it comes back', { timeout: 30_000 }, async () => {
  const quarantined: string[] = [];
  client.on('instanceQuarantined', (instance) => quarantined.push(instance.name ?? instance.address));

  await cluster.kill('i2'); // its listener closes and its sessions are cut
  for (let i = 0; i < 30; i++) assert.equal(await client.fetchval('SELECT $1::int8 + 1', [i]), i + 1);

  await cluster.revive('i2');
  // The health probe brings it back: wait (bounded) until statements reach it again.
  const i2 = cluster.instance('i2').uuid;
  let seen = false;
  for (let i = 0; i < 200 && !seen; i++) {
    seen = (await client.fetchval<string>('SELECT pico_instance_uuid()')) === i2;
    if (!seen) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(seen, 'i2 serves statements again');
});

test('a write whose answer is lost is reported as OutcomeUnknownError, not retried', { timeout: 30_000 }, async () => {
  // A pool on i1 alone (no discovery), so that the next result on i1 is this write's.
  const pool = new Pool({ dsn: cluster.dsn('scram', { instance: 'i1' }) });
  try {
    await pool.connect();
    cluster.cutNextResult('i1'); // the write reaches the server; its answer never comes back
    await assert.rejects(pool.execute('INSERT INTO visits VALUES ($1, 1)', [7]), OutcomeUnknownError);
    // It was applied: the server got it. This is why picots does not run such a write again on its own.
    // (Read through the client: the pool's only instance is quarantined until its probe succeeds.)
    assert.equal(await client.fetchval('SELECT n FROM visits WHERE id = $1', [7]), 1);
  } finally {
    await pool.close();
  }
});
