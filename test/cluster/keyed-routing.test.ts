/**
 * Keyed routing end to end over the stand-in's sharding model: `routeKey` statements go to the owning
 * replicaset's leader, fall back without errors when it dies, follow moved bucket ranges, and an older
 * cluster (no `_pico_bucket`) gets one warning and working statements. The ground truth is the gateway's
 * record of keyed statements (`cluster.keyedStatements()`), which reads each statement's key from its SQL
 * and parameters and checks it against the stand-in's bucket ranges and masters.
 *
 * Two replicasets of two instances: r1 = i1, i2 (leader made i2 here, so the first member is not the
 * answer by accident); r2 = i3 (leader), i4. Buckets 1..1500 are r1's, 1501..3000 r2's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bucketId, Client, Pool, type PicotsWarning } from '../../src/index.js';
import { startCluster, type Cluster, type KeyedStatementRecord } from '../../src/testkit/index.js';
import { CLIENTS_ROLE } from '../../src/testkit/users.js';
import { eventually } from '../helpers/wait.js';

let cluster: Cluster;
const uuidOf = (name: string) => cluster.instance(name).uuid;
const nameOf = (uuid: string | null | undefined) => cluster.instances.find((i) => i.uuid === uuid)?.name;
/** Keys 0..n-1 with the replicaset owning each at start (1..1500 r1, the rest r2). */
const keys = (n: number) => Array.from({ length: n }, (_, k) => ({ k, rs: bucketId(k) <= 1500 ? 'r1' : 'r2' }));
const INSERT = 'INSERT INTO kv (id, v) VALUES ($1, $2)';
const SELECT = 'SELECT v FROM kv WHERE id = $1';
/** The records of the statements on `kv` since the last clear (the pool's own reads are not keyed). */
const records = (): readonly KeyedStatementRecord[] => cluster.keyedStatements().filter((r) => r.table === 'kv');
const summary = (list: readonly KeyedStatementRecord[]) => JSON.stringify(list.map((r) => `${r.bucket}:${r.ownerReplicaset}@${r.instance}`));

before(async () => {
  // The test users may read _pico_replicaset (the leaders); the third test takes that away.
  cluster = await startCluster({ instances: 4, replicationFactor: 2, grantTopologyRead: ['scram'], record: false });
  await cluster.setLeader('r1', 'i2');
  await cluster.standIn.sql(`CREATE TABLE kv (id int8 PRIMARY KEY, v text); GRANT SELECT, INSERT, DELETE ON kv TO ${CLIENTS_ROLE};
INSERT INTO kv SELECT g, 'v' || g FROM generate_series(0, 199) g;
CREATE FUNCTION _test_stale() RETURNS int LANGUAGE plpgsql AS $fn$
  BEGIN RAISE EXCEPTION 'Bucket 1600 cannot be found. Is rebalancing in progress?' USING ERRCODE = 'XX000'; END $fn$;
GRANT EXECUTE ON FUNCTION _test_stale() TO ${CLIENTS_ROLE};`);
});
after(async () => {
  await cluster?.stop();
});

test('an older cluster without _pico_bucket: one warning, and keyed statements still succeed (counted as fallback)', { timeout: 60_000 }, async () => {
  const warnings: PicotsWarning[] = [];
  // The legacy schema (Picodata 24.x) has no _pico_bucket, no _pico_replicaset.
  await cluster.standIn.sql(`CREATE TABLE kv (id int8 PRIMARY KEY, v text); GRANT SELECT ON kv TO ${CLIENTS_ROLE}; INSERT INTO kv VALUES (1, 'one');`, cluster.databases.legacy);
  const client = new Client({ dsn: cluster.dsn('scram', { database: cluster.databases.legacy }), poolSize: 4, connectTimeout: 10_000 });
  client.on('warning', (w) => warnings.push(w));
  try {
    await client.connect();
    await client.refresh();
    // (The legacy schema brings discovery notes of its own.)
    assert.deepEqual(warnings.filter((w) => w.code === 'ERR_PICOTS_NO_BUCKET_MAP'), [], 'nothing is read (or warned about) before keyed routing is used');
    for (const { k } of keys(20)) assert.equal(await client.fetchval(SELECT, [k], { routeKey: [k] }), k === 1 ? 'one' : null);
    assert.ok(await eventually(() => warnings.some((w) => w.code === 'ERR_PICOTS_NO_BUCKET_MAP'), 5_000), JSON.stringify(warnings));
    await client.refresh();
    await client.refresh();
    assert.equal(warnings.filter((w) => w.code === 'ERR_PICOTS_NO_BUCKET_MAP').length, 1, 'one warning, however many refreshes');
    assert.equal(client.ownerOf(1), undefined);
    assert.deepEqual(client.stats().keyed, { owner: 0, fallback: 20 });
  } finally {
    await client.close({ drainTimeout: 500 });
  }
});

test('every routeKey statement is served by the owning replicaset\'s leader; replica reads by a non-leader of it', { timeout: 60_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 10_000 });
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000), 'the bucket map is loaded in the background');
    const leader = { r1: 'i2', r2: 'i3' } as const;
    const list = keys(100);
    assert.ok(list.some((x) => x.rs === 'r1') && list.some((x) => x.rs === 'r2'), 'both replicasets own some of the keys');
    for (const { k, rs } of list) assert.equal(nameOf(pool.ownerOf([k])?.uuid), leader[rs as 'r1' | 'r2'], `ownerOf(${k})`);

    cluster.clearKeyedStatements();
    await Promise.all(list.map(({ k }) => pool.execute(INSERT, [1000 + k, 'w'], { routeKey: 1000 + k })));
    await Promise.all(list.map(({ k }) => pool.fetchval(SELECT, [k], { routeKey: [k] })));
    const served = records();
    assert.equal(served.length, 200, 'every INSERT and SELECT by key was recorded');
    assert.deepEqual(new Set(served.map((r) => r.ownerReplicaset)), new Set(['r1', 'r2']), 'two replicasets own the keys');
    assert.deepEqual(served.filter((r) => !r.servedByLeader), [], `100 % on the owner's leader: ${summary(served.filter((r) => !r.servedByLeader))}`);
    assert.deepEqual(new Set(served.map((r) => r.instance)), new Set(['i2', 'i3']));

    // With readPreference 'replica', a non-leader member of the owning replicaset.
    cluster.clearKeyedStatements();
    await Promise.all(list.map(({ k }) => pool.fetchval(SELECT, [k], { routeKey: [k], readPreference: 'replica' })));
    const replicas = records();
    assert.equal(replicas.length, 100);
    assert.ok(replicas.every((r) => r.servedByOwner && !r.servedByLeader), summary(replicas));
    assert.deepEqual(pool.stats().keyed, { owner: 300, fallback: 0 }, 'the pool counts 100 % on the owner too');

    // acquire({ routeKey }) opens the session on the owner's leader.
    const k2 = list.find((x) => x.rs === 'r2')!.k;
    const conn = await pool.acquire({ routeKey: [k2] });
    try {
      cluster.clearKeyedStatements();
      await conn.fetchval(SELECT, [k2]);
      assert.deepEqual(records().map((r) => [r.instance, r.servedByLeader]), [['i3', true]]);
      assert.equal(conn.instance.name, 'i3');
    } finally {
      conn.release();
    }
    // Bad keys are the caller's mistake, named, and never reach an instance.
    await assert.rejects(pool.fetchval('SELECT 1', [], { routeKey: [{}] as never }), /routeKey: key part 0/);
    await assert.rejects(pool.fetchval('SELECT 1', [], { routeKey: [2n ** 70n] }), /routeKey: .*beyond/);
    await assert.rejects(pool.fetchval('SELECT 1', [], { routeTier: '' }), /routeTier: must be a tier name/);
    assert.throws(() => pool.ownerOf([]), /key: the key has no parts/);
  } finally {
    await cluster.standIn.sql('DELETE FROM kv WHERE id >= 1000;');
    await pool.close({ drainTimeout: 500 });
  }
});

test('without READ on _pico_replicaset: keyed statements go to any member of the owning replicaset, with no warning', { timeout: 60_000 }, async () => {
  await cluster.revoke('scram', '_pico_replicaset');
  const warnings: PicotsWarning[] = [];
  const debug: string[] = [];
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 10_000, logger: { warn: () => {}, debug: (_fields, m) => debug.push(m) } });
  pool.on('warning', (w) => warnings.push(w));
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    const members = { r1: ['i1', 'i2'], r2: ['i3', 'i4'] } as const;
    const list = keys(60);
    cluster.clearKeyedStatements();
    await Promise.all(list.map(({ k }) => pool.fetchval(SELECT, [k], { routeKey: [k] })));
    const served = records();
    assert.equal(served.length, 60);
    assert.ok(served.every((r) => r.servedByOwner), summary(served));
    for (const { k, rs } of list) {
      assert.ok((members[rs as 'r1' | 'r2'] as readonly string[]).includes(nameOf(pool.ownerOf(k)?.uuid)!), 'a member of the owner when leaders are unknown');
    }
    await pool.refresh();
    assert.deepEqual(warnings, []);
    assert.equal(debug.filter((m) => /leaders unknown/.test(m)).length, 1, debug.join('\n'));
  } finally {
    await cluster.grant('scram', '_pico_replicaset');
    await pool.close({ drainTimeout: 500 });
  }
});

test('the owner\'s leader dies: keyed reads fall back with no failed read', { timeout: 60_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 5_000, refreshInterval: Infinity });
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    const inR2 = keys(200).filter((x) => x.rs === 'r2').map((x) => x.k).slice(0, 40);
    const read = (k: number) => pool.fetchval<string>(SELECT, [k], { routeKey: [k] });
    cluster.clearKeyedStatements();
    assert.deepEqual(await Promise.all(inR2.map(read)), inR2.map((k) => `v${k}`));
    assert.ok(records().every((r) => r.instance === 'i3' && r.servedByLeader), summary(records()));
    // Reads in flight on i3 when it dies, and reads after.
    const inFlight = Promise.all(inR2.map(read));
    await cluster.kill('i3');
    const during = await inFlight;
    cluster.clearKeyedStatements();
    const afterKill = await Promise.all(inR2.map(read));
    assert.deepEqual([...during, ...afterKill], [...inR2, ...inR2].map((k) => `v${k}`), 'no read failed, every answer right');
    assert.equal(records().length, 40);
    assert.ok(records().every((r) => r.instance !== 'i3'), `after the kill, none on i3: ${summary(records())}`);
    assert.equal(pool.ownerOf(inR2[0]!), undefined, 'the owner is not healthy: a write would be routed as without a key');
    const { owner, fallback } = pool.stats().keyed;
    assert.equal(owner + fallback, 120);
    assert.ok(fallback >= 40, `fallback ${fallback}`);
  } finally {
    await cluster.revive('i3');
    await pool.close({ drainTimeout: 500 });
  }
});

test('moved bucket ranges: followed on refresh, and at once after a stale-map error', { timeout: 60_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 10_000, refreshInterval: Infinity });
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    const inR2 = keys(200).filter((x) => x.rs === 'r2').map((x) => x.k).slice(0, 20);
    const readAll = async (): Promise<readonly KeyedStatementRecord[]> => {
      cluster.clearKeyedStatements();
      await Promise.all(inR2.map((k) => pool.fetchval(SELECT, [k], { routeKey: [k] })));
      return records();
    };
    let served = await readAll();
    assert.ok(served.length === 20 && served.every((r) => r.ownerReplicaset === 'r2' && r.instance === 'i3' && r.servedByLeader), summary(served));

    // Rebalancing moves r2's buckets to r1: the next topology refresh reads the new ranges.
    await cluster.moveBuckets({ start: 1501, end: 3000 }, 'r1');
    await pool.refresh();
    assert.equal(nameOf(pool.ownerOf(inR2[0]!)?.uuid), 'i2');
    served = await readAll();
    assert.ok(served.length === 20 && served.every((r) => r.ownerReplicaset === 'r1' && r.instance === 'i2' && r.servedByLeader), `re-routed to r1's leader: ${summary(served)}`);

    // Moved back, and r2's leader changes; no refresh this time: a routing error saying the bucket is not
    // where the client thought makes it read the map again by itself.
    await cluster.moveBuckets({ start: 1501, end: 3000 }, 'r2');
    await cluster.setLeader('r2', 'i4');
    served = await readAll();
    assert.ok(served.every((r) => !r.servedByOwner), 'the client does not know yet');
    await assert.rejects(pool.fetchval('SELECT _test_stale()', [], { routeKey: [inR2[0]!] }), /cannot be found/);
    assert.ok(await eventually(() => nameOf(pool.ownerOf(inR2[0]!)?.uuid) === 'i4', 5_000), 'the map was read again');
    served = await readAll();
    assert.ok(served.length === 20 && served.every((r) => r.ownerReplicaset === 'r2' && r.instance === 'i4' && r.servedByLeader), summary(served));
    assert.equal(uuidOf('i4'), pool.ownerOf(inR2[0]!)?.uuid);
  } finally {
    await cluster.setLeader('r2', 'i3');
    await pool.close({ drainTimeout: 500 });
  }
});
