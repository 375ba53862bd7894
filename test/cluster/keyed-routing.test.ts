/**
 * Keyed routing end to end over the stand-in: `routeKey` statements go to the owning replicaset's leader,
 * fall back without errors when it dies, follow moved bucket ranges, and an older cluster (no
 * `_pico_bucket`) gets one warning and working statements.
 *
 * Two replicasets of two instances: r1 = i1, i2 (leader i2); r2 = i3, i4 (leader i3). Buckets 1..1500 are
 * r1's, 1501..3000 r2's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bucketId, Client, Pool, type PicotsWarning } from '../../src/index.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';

// TEMPORARY until the stand-in models sharding: `_pico_bucket(tier)` and `_pico_replicaset` made here in
// the stand-in's PostgreSQL, with `moveBuckets` and `setLeader` helpers named like the stand-in's coming
// controls. Swap these for `cluster.moveBuckets(...)` / `cluster.setLeader(...)` once they exist.
const CLIENTS = 'picots_clients';
async function createShardingFixture(c: Cluster): Promise<void> {
  const rs = new Map(c.instances.map((i) => [i.replicasetName, i.replicasetUuid]));
  await c.standIn.sql(`
DROP FUNCTION IF EXISTS _pico_bucket(text);
DROP TABLE IF EXISTS _pico_replicaset CASCADE;
DROP TABLE IF EXISTS _fixture_bucket;
CREATE TABLE _fixture_bucket (tier text NOT NULL, bucket_id_start int NOT NULL, bucket_id_end int NOT NULL, replicaset_uuid text NOT NULL);
INSERT INTO _fixture_bucket VALUES ('default', 1, 1500, '${rs.get('r1')}'), ('default', 1501, 3000, '${rs.get('r2')}');
CREATE FUNCTION _pico_bucket(text) RETURNS json LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
  SELECT coalesce(json_agg(json_build_object('bucket_id_end', bucket_id_end, 'tier_name', tier, 'state', 'active',
    'current_replicaset_uuid', replicaset_uuid, 'target_replicaset_uuid', replicaset_uuid, 'bucket_id_start', bucket_id_start)
    ORDER BY bucket_id_start DESC), '[]') FROM _fixture_bucket WHERE tier = $1 $fn$;
GRANT EXECUTE ON FUNCTION _pico_bucket(text) TO ${CLIENTS};
CREATE TABLE _pico_replicaset (name text PRIMARY KEY, uuid text NOT NULL, current_master_name text NOT NULL,
  target_master_name text NOT NULL, tier text NOT NULL);
INSERT INTO _pico_replicaset VALUES ('r1', '${rs.get('r1')}', 'i2', 'i2', 'default'), ('r2', '${rs.get('r2')}', 'i3', 'i3', 'default');
GRANT SELECT ON _pico_replicaset TO ${CLIENTS};
CREATE FUNCTION _fixture_stale() RETURNS int LANGUAGE plpgsql AS $fn$
  BEGIN RAISE EXCEPTION 'Bucket 1600 cannot be found. Is rebalancing in progress?' USING ERRCODE = 'XX000'; END $fn$;
GRANT EXECUTE ON FUNCTION _fixture_stale() TO ${CLIENTS};`);
}
async function moveBuckets(c: Cluster, [start, end]: readonly [number, number], replicasetName: string): Promise<void> {
  const uuid = c.instances.find((i) => i.replicasetName === replicasetName)!.replicasetUuid;
  await c.standIn.sql(`DELETE FROM _fixture_bucket WHERE bucket_id_start >= ${start} AND bucket_id_end <= ${end};
INSERT INTO _fixture_bucket VALUES ('default', ${start}, ${end}, '${uuid}');`);
}
async function setLeader(c: Cluster, replicasetName: string, instanceName: string): Promise<void> {
  await c.standIn.sql(`UPDATE _pico_replicaset SET current_master_name = '${instanceName}', target_master_name = '${instanceName}' WHERE name = '${replicasetName}';`);
}
// END TEMPORARY

let cluster: Cluster;
const uuidOf = (name: string) => cluster.instance(name).uuid;
const nameOf = (uuid: string | null | undefined) => cluster.instances.find((i) => i.uuid === uuid)?.name;
/** Keys 0..n-1 with the replicaset owning each (by the fixture's ranges: 1..1500 r1, the rest r2). */
const keys = (n: number) => Array.from({ length: n }, (_, k) => ({ k, rs: bucketId(k) <= 1500 ? 'r1' : 'r2' }));

before(async () => {
  cluster = await startCluster({ instances: 4, replicationFactor: 2 });
  await cluster.standIn.sql(`CREATE TABLE kv (id int8 PRIMARY KEY, served_by text NOT NULL); GRANT SELECT, INSERT, DELETE ON kv TO ${CLIENTS};`);
});
after(async () => {
  await cluster?.stop();
});

test('an older cluster without _pico_bucket: one warning, and keyed statements still succeed (counted as fallback)', { timeout: 60_000 }, async () => {
  const warnings: PicotsWarning[] = [];
  const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 4, connectTimeout: 2_000 });
  client.on('warning', (w) => warnings.push(w));
  try {
    await client.connect();
    await client.refresh();
    assert.equal(warnings.length, 0, 'nothing is read (or warned about) before keyed routing is used');
    for (const { k } of keys(20)) assert.equal(await client.fetchval('SELECT $1::int8 + 1', [k], { routeKey: [k] }), k + 1);
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
  await createShardingFixture(cluster);
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 2_000 });
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000), 'the bucket map is loaded in the background');
    const leader = { r1: 'i2', r2: 'i3' } as const;
    const list = keys(100);
    assert.ok(list.some((x) => x.rs === 'r1') && list.some((x) => x.rs === 'r2'), 'both replicasets own some of the keys');
    for (const { k, rs } of list) assert.equal(nameOf(pool.ownerOf([k])?.uuid), leader[rs as 'r1' | 'r2'], `ownerOf(${k})`);

    // Writes: each row records the instance that ran the INSERT.
    await Promise.all(list.map(({ k }) => pool.execute('INSERT INTO kv VALUES ($1, pico_instance_uuid())', [k], { routeKey: k })));
    const rows = await pool.fetch<{ id: string; served_by: string }>('SELECT id::text AS id, served_by FROM kv', [], { int8: 'string' });
    assert.equal(rows.length, 100);
    for (const row of rows) {
      const { rs } = list[Number(row.id)]!;
      assert.equal(nameOf(row.served_by), leader[rs as 'r1' | 'r2'], `key ${row.id}`);
    }
    // Reads go to the leader by default.
    const readers = await Promise.all(list.map(({ k }) => pool.fetchval<string>('SELECT pico_instance_uuid() WHERE $1::int8 IS NOT NULL', [k], { routeKey: [k] })));
    readers.forEach((u, i) => assert.equal(nameOf(u), leader[list[i]!.rs as 'r1' | 'r2']));
    // With readPreference 'replica', to the other member of the owning replicaset.
    const replica = { r1: 'i1', r2: 'i4' } as const;
    const replicaReaders = await Promise.all(list.map(({ k }) =>
      pool.fetchval<string>('SELECT pico_instance_uuid() WHERE $1::int8 IS NOT NULL', [k], { routeKey: [k], readPreference: 'replica' })));
    replicaReaders.forEach((u, i) => assert.equal(nameOf(u), replica[list[i]!.rs as 'r1' | 'r2']));
    assert.deepEqual(pool.stats().keyed, { owner: 300, fallback: 0 }, '100 % on the owner');

    // acquire({ routeKey }) opens the session on the owner's leader.
    const k2 = list.find((x) => x.rs === 'r2')!.k;
    const conn = await pool.acquire({ routeKey: [k2] });
    try {
      assert.equal(nameOf(await conn.fetchval<string>('SELECT pico_instance_uuid()')), 'i3');
    } finally {
      conn.release();
    }
    // Bad keys are the caller's mistake, named, and never reach an instance.
    await assert.rejects(pool.fetchval('SELECT 1', [], { routeKey: [{}] as never }), /routeKey: key part 0/);
    await assert.rejects(pool.fetchval('SELECT 1', [], { routeKey: [2n ** 70n] }), /routeKey: .*beyond/);
    await assert.rejects(pool.fetchval('SELECT 1', [], { routeTier: '' }), /routeTier: must be a tier name/);
    assert.throws(() => pool.ownerOf([]), /key: the key has no parts/);
  } finally {
    await cluster.standIn.sql('DELETE FROM kv;');
    await pool.close({ drainTimeout: 500 });
  }
});

test('without READ on _pico_replicaset: keyed statements go to any member of the owning replicaset, with no warning', { timeout: 60_000 }, async () => {
  await cluster.standIn.sql(`REVOKE SELECT ON _pico_replicaset FROM ${CLIENTS};`);
  const warnings: PicotsWarning[] = [];
  const debug: string[] = [];
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 2_000, logger: { warn: () => {}, debug: (_fields, m) => debug.push(m) } });
  pool.on('warning', (w) => warnings.push(w));
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    const members = { r1: ['i1', 'i2'], r2: ['i3', 'i4'] } as const;
    const list = keys(60);
    const served = await Promise.all(list.map(({ k }) => pool.fetchval<string>('SELECT pico_instance_uuid() WHERE $1::int8 IS NOT NULL', [k], { routeKey: [k] })));
    served.forEach((u, i) => assert.ok((members[list[i]!.rs as 'r1' | 'r2'] as readonly string[]).includes(nameOf(u)!), `key ${list[i]!.k} on ${nameOf(u)}`));
    for (const { k, rs } of list) {
      assert.ok((members[rs as 'r1' | 'r2'] as readonly string[]).includes(nameOf(pool.ownerOf(k)?.uuid)!), 'a member of the owner when leaders are unknown');
    }
    await pool.refresh();
    assert.deepEqual(warnings, []);
    assert.equal(debug.filter((m) => /leaders unknown/.test(m)).length, 1, debug.join('\n'));
  } finally {
    await cluster.standIn.sql(`GRANT SELECT ON _pico_replicaset TO ${CLIENTS};`);
    await pool.close({ drainTimeout: 500 });
  }
});

test('the owner\'s leader dies: keyed reads fall back with no failed read', { timeout: 60_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 1_000, refreshInterval: Infinity });
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    const inR2 = keys(200).filter((x) => x.rs === 'r2').map((x) => x.k).slice(0, 40);
    const read = (k: number) => pool.fetchval<string>('SELECT pico_instance_uuid() WHERE $1::int8 IS NOT NULL', [k], { routeKey: [k] });
    assert.ok((await Promise.all(inR2.map(read))).every((u) => nameOf(u) === 'i3'));
    // Reads in flight on i3 when it dies, and reads after.
    const inFlight = Promise.all(inR2.map(read));
    await cluster.kill('i3');
    const after = [...(await inFlight), ...(await Promise.all(inR2.map(read)))];
    assert.equal(after.length, 80, 'no read failed');
    assert.ok(after.slice(40).every((u) => nameOf(u) !== 'i3'), 'after the kill, none on i3');
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
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 8, connectTimeout: 2_000, refreshInterval: Infinity });
  try {
    await pool.connect();
    assert.ok(await eventually(() => pool.ownerOf(0) !== undefined, 5_000));
    const inR2 = keys(200).filter((x) => x.rs === 'r2').map((x) => x.k).slice(0, 20);
    const read = (k: number) => pool.fetchval<string>('SELECT pico_instance_uuid() WHERE $1::int8 IS NOT NULL', [k], { routeKey: [k] });
    assert.ok((await Promise.all(inR2.map(read))).every((u) => nameOf(u) === 'i3'));

    // Rebalancing moves r2's buckets to r1: the next topology refresh reads the new ranges.
    await moveBuckets(cluster, [1501, 3000], 'r1');
    await pool.refresh();
    assert.equal(nameOf(pool.ownerOf(inR2[0]!)?.uuid), 'i2');
    assert.ok((await Promise.all(inR2.map(read))).every((u) => nameOf(u) === 'i2'), 're-routed to r1\'s leader');

    // Moved back, and r1's leader changes; no refresh this time: a routing error saying the bucket is not
    // where the client thought makes it read the map again by itself.
    await moveBuckets(cluster, [1501, 3000], 'r2');
    await setLeader(cluster, 'r2', 'i4');
    await assert.rejects(pool.fetchval('SELECT _fixture_stale()', [], { routeKey: [inR2[0]!] }), /cannot be found/);
    assert.ok(await eventually(() => nameOf(pool.ownerOf(inR2[0]!)?.uuid) === 'i4', 5_000), 'the map was read again');
    assert.ok((await Promise.all(inR2.map(read))).every((u) => nameOf(u) === 'i4'));
  } finally {
    await setLeader(cluster, 'r2', 'i3');
    await pool.close({ drainTimeout: 500 });
  }
});
