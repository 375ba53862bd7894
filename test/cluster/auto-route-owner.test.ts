/**
 * autoRoute end to end: single-row INSERTs with plain parameters, over a 2-replicaset stand-in, are served
 * by the owning replicaset's leader from each statement's second execution on, as the gateway's record of
 * keyed statements (`cluster.keyedStatements()`) shows. The key comes from the metadata notice the
 * gateway sends as Picodata does, and from nothing the test tells the pool.
 *
 * r1 = i1, i2 (leader made i2); r2 = i3 (leader), i4. Buckets 1..1500 are r1's, 1501..3000 r2's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Pool } from '../../src/index.js';
import { startCluster, type Cluster, type KeyedStatementRecord } from '../../src/testkit/index.js';
import { CLIENTS_ROLE } from '../../src/testkit/users.js';
import { eventually } from '../helpers/wait.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ instances: 4, replicationFactor: 2, grantTopologyRead: ['scram'], record: false });
  await cluster.setLeader('r1', 'i2');
  await cluster.standIn.sql(`CREATE TABLE items (id int8 PRIMARY KEY, name text);
CREATE TABLE orders (region text, id int8, qty int8, PRIMARY KEY (region, id));
CREATE TABLE events (id int8 PRIMARY KEY, account int8 NOT NULL, v text);
GRANT SELECT, INSERT ON items, orders, events TO ${CLIENTS_ROLE};`);
  // DISTRIBUTED BY (account): a sharding key that is not the primary key.
  await cluster.setDistribution('events', { key: ['account'] });
});
after(async () => {
  await cluster?.stop();
});

/** Each statement with the parameters of its n-th execution. */
const STATEMENTS: ReadonlyArray<{ sql: string; params: (n: number) => unknown[] }> = [
  { sql: 'INSERT INTO items (id, name) VALUES ($1, $2)', params: (n) => [n, `item ${n}`] },
  { sql: 'insert into items values ($1::int8, $2)', params: (n) => [10_000 + n, 'cast'] },
  { sql: 'INSERT INTO orders (qty, id, region) VALUES ($1, $2, $3)', params: (n) => [n % 7, n, n % 2 === 0 ? 'eu' : 'us'] },
  { sql: 'INSERT INTO events (v, account, id) VALUES ($1, $2, $3)', params: (n) => ['e', 500 + n, n] },
];
const RUNS = 40;

test('autoRoute: from each INSERT\'s second execution on, 100 % served by the owning replicaset\'s leader', { timeout: 60_000 }, async () => {
  const debug: string[] = [];
  const pool = new Pool({
    dsn: cluster.dsn('scram'), enableDiscovery: true, autoRoute: true, maxSize: 8, connectTimeout: 10_000,
    logger: { warn: () => {}, debug: (_fields, m) => debug.push(m) },
  });
  try {
    await pool.connect();
    // Nothing keyed has been sent yet: an autoRoute pool reads the map by itself (ownerOf() would start it too).
    assert.ok(await eventually(() => debug.some((m) => /^bucket map read/.test(m)), 5_000), debug.join('\n'));
    cluster.clearKeyedStatements();
    for (const { sql, params } of STATEMENTS) {
      // The first execution teaches the pool the statement's dk_meta; the rest run at once.
      await pool.execute(sql, params(0));
      await Promise.all(Array.from({ length: RUNS - 1 }, (_, i) => pool.execute(sql, params(i + 1))));
    }
    const records = cluster.keyedStatements();
    for (const { sql } of STATEMENTS) {
      const mine = records.filter((r) => r.sql === sql);
      assert.equal(mine.length, RUNS, `${sql}: every execution recorded`);
      const later = mine.slice(1);
      const missed = later.filter((r) => !r.servedByLeader);
      assert.deepEqual(missed.map(describe), [], `${sql}: 100 % on the leader from the second execution on`);
      assert.deepEqual(new Set(later.map((r) => r.ownerReplicaset)), new Set(['r1', 'r2']), `${sql}: both replicasets own some keys`);
    }
    const keyed = (STATEMENTS.length * (RUNS - 1));
    assert.deepEqual(pool.stats().keyed, { owner: keyed, fallback: 0 }, 'the first executions are not keyed; the others all on the owner');

    // Statements Picodata gives no key (a SELECT, a multi-row INSERT) are routed as without one and not counted.
    assert.equal(await pool.fetchval('SELECT name FROM items WHERE id = $1', [3]), 'item 3');
    assert.equal(await pool.fetchval('SELECT name FROM items WHERE id = $1', [4]), 'item 4');
    await pool.execute('INSERT INTO items (id, name) VALUES ($1, $2), ($3, $4)', [90_001, 'a', 90_002, 'b']);
    await pool.execute('INSERT INTO items (id, name) VALUES ($1, $2), ($3, $4)', [90_003, 'a', 90_004, 'b']);
    assert.deepEqual(pool.stats().keyed, { owner: keyed, fallback: 0 });
  } finally {
    await pool.close({ drainTimeout: 500 });
  }
});

test('autoRoute: the owner\'s leader is down, the INSERTs fall back and succeed, counted as fallback', { timeout: 60_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, autoRoute: true, maxSize: 8, connectTimeout: 5_000, refreshInterval: Infinity });
  const sql = 'INSERT INTO items (name, id) VALUES ($1, $2)';
  try {
    await pool.connect();
    await pool.execute(sql, ['first', 20_000]);
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    await cluster.kill('i3');
    // A write already sent when an instance dies is not retried (not idempotent): wait until the pool has
    // seen its connections to i3 close, so the next ones are new connections, refused before anything is sent.
    assert.ok(await eventually(() => pool.instances().find((i) => i.name === 'i3')?.total === 0, 10_000), 'the connections to i3 are closed');
    cluster.clearKeyedStatements();
    await Promise.all(Array.from({ length: 30 }, (_, i) => pool.execute(sql, ['x', 20_001 + i])));
    const records = cluster.keyedStatements().filter((r) => r.sql === sql);
    assert.equal(records.length, 30);
    assert.ok(records.every((r) => r.instance !== 'i3'), records.map(describe).join(' '));
    assert.ok(records.filter((r) => r.ownerReplicaset === 'r1').every((r) => r.servedByLeader), 'r1\'s keys still on i2');
    const { owner, fallback } = pool.stats().keyed;
    assert.equal(owner + fallback, 30);
    assert.equal(fallback, records.filter((r) => r.ownerReplicaset === 'r2').length, 'r2\'s keys are the fallbacks');
  } finally {
    await cluster.revive('i3');
    await pool.close({ drainTimeout: 500 });
  }
});

function describe(r: KeyedStatementRecord): string {
  return `bucket ${r.bucket} of ${r.ownerReplicaset ?? '?'} on ${r.instance}`;
}
