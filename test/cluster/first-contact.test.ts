/**
 * What users bringing habits from picopyn or node-postgres run into first: picopyn's positional
 * `acquire(300)`, node-postgres' `pool.connect()` … `client.release()`, and strategies written over
 * mutable arrays that sort their list in place.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, Pool, type ConnectionHandle, type InstanceInfo } from '../../src/index.js';
import { whoAnswers } from '../helpers/who-answers.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ instances: 3 });
});
after(() => cluster?.stop());


const byNameDescending = (a: { name?: string }, b: { name?: string }): number => (a.name ?? '').localeCompare(b.name ?? '') * -1;

test("picopyn's positional acquire(300) rejects with a ConfigError that shows the options form in milliseconds", async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram') });
  try {
    await assert.rejects(pool.acquire(300 as never), (e: unknown) =>
      e instanceof ConfigError && e.option === 'options' && /acquire\(\{ timeout: 300000 \}\) waits 300 s/.test(e.message));
    assert.equal(pool.stats().total.size + pool.stats().total.creating, 0, 'nothing was opened for the bad call');
  } finally {
    await pool.close();
  }
});

test("node-postgres' pool.connect() then client.release() throws a ConfigError that says to use acquire()", { timeout: 30_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 3 });
  try {
    const client = await pool.connect();
    assert.equal(client, pool, 'connect() resolves to the pool itself');
    assert.equal(await client.fetchval('SELECT 1 + 1'), 2);
    const release = client.release.bind(client) as (arg?: unknown) => void;
    for (const arg of [undefined, true, new Error('broken')]) {
      assert.throws(() => release(arg), (e: unknown) =>
        e instanceof ConfigError && /not to one client as in node-postgres/.test(e.message) && /pool\.acquire\(\)/.test(e.message));
    }
    assert.throws(() => release({}), (e: unknown) => e instanceof ConfigError && !/node-postgres/.test(e.message), 'a foreign object gets the plain message');
    // The way that works: one session, released.
    const conn = await pool.acquire();
    assert.equal(await conn.fetchval('SELECT 2 + 2'), 4);
    pool.release(conn);
    assert.equal(await pool.fetchval('SELECT 3'), 3, 'the pool is still usable');
  } finally {
    await pool.close();
  }
});

test('a connectionStrategy over a mutable array may sort it in place: the connection it returns is the one used', { timeout: 30_000 }, async () => {
  const last = (connections: ConnectionHandle[]): ConnectionHandle =>
    connections.sort((a, b) => byNameDescending(a.instance, b.instance))[0]!;
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 6, connectionStrategy: last });
  try {
    await pool.connect();
    assert.deepEqual(new Set(await whoAnswers(cluster, pool, 9)), new Set(['i3']));
  } finally {
    await pool.close();
  }
});

test('a balanceStrategy over a mutable array may sort it in place: the instance it returns is the one used', { timeout: 30_000 }, async () => {
  const highest = (candidates: InstanceInfo[]): InstanceInfo => candidates.sort(byNameDescending)[0]!;
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 6, balanceStrategy: highest });
  try {
    await pool.connect();
    assert.deepEqual(new Set(await whoAnswers(cluster, pool, 9)), new Set(['i3']));
  } finally {
    await pool.close();
  }
});
