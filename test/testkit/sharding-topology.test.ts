/**
 * The stand-in's sharding topology: `_pico_tier`, `_pico_replicaset`, `_pico_table` and `_pico_bucket(tier)`
 * with Picodata's columns, types, permissions and errors; bucket moves, leader changes, two tiers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { ConfigError } from '../../src/errors.js';
import type { StandIn, UserKind } from '../../src/testkit/index.js';
import { useStandIn } from '../helpers/stand-in.js';

// Its own: the tests move buckets, change leaders and grants. Two replicasets of two in the main tier,
// two single-instance replicasets in tier `hot` with 100 buckets; md5 may read the topology from the start.
const standIn = await useStandIn({
  own: true, instances: 4, replicationFactor: 2, spareAddresses: 2, tls: false,
  tiers: [{ name: 'hot', instances: 2, replicationFactor: 1, bucketCount: 100 }],
  grantTopologyRead: ['md5'],
});

async function query(s: StandIn, kind: UserKind, sql: string, values?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: s.dsn(kind), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

interface Range {
  tier_name: string;
  bucket_id_start: number;
  bucket_id_end: number;
  state: string;
  current_replicaset_uuid: string;
  target_replicaset_uuid: string;
}

async function buckets(tier: string, kind: UserKind = 'scram'): Promise<Range[]> {
  const { rows } = await query(standIn, kind, 'SELECT _pico_bucket($1) AS b', [tier]);
  return rows[0].b as Range[];
}

function uuidOf(replicaset: string): string {
  const found = standIn.instances.find((i) => i.replicasetName === replicaset);
  assert.ok(found, `no replicaset ${replicaset}`);
  return found.replicasetUuid;
}

test('_pico_tier: one row per tier, with Picodata column types (unsigned as int8)', async () => {
  const result = await query(standIn, 'md5', 'SELECT * FROM _pico_tier ORDER BY name');
  assert.deepEqual(result.fields.map((f) => f.name), [
    'name', 'replication_factor', 'can_vote', 'current_vshard_config_version', 'target_vshard_config_version',
    'vshard_bootstrapped', 'bucket_count', 'is_default', 'current_bucket_state_version', 'target_bucket_state_version',
  ]);
  assert.equal(result.fields.find((f) => f.name === 'bucket_count')?.dataTypeID, 20);
  assert.deepEqual(result.rows.map((r) => [r.name, r.replication_factor, r.bucket_count, r.is_default, r.can_vote]), [
    ['default', '2', '3000', true, true],
    ['hot', '1', '100', false, true],
  ]);
});

test('_pico_replicaset: one row per replicaset, the first instance its master', async () => {
  const result = await query(standIn, 'md5', 'SELECT * FROM _pico_replicaset ORDER BY name');
  assert.deepEqual(result.fields.map((f) => f.name).slice(0, 8), [
    'name', 'uuid', 'current_master_name', 'target_master_name', 'tier', 'weight', 'weight_origin', 'state',
  ]);
  assert.equal(result.fields.find((f) => f.name === 'weight')?.dataTypeID, 701);
  assert.deepEqual(result.rows.map((r) => [r.name, r.uuid, r.current_master_name, r.target_master_name, r.tier, r.state]), [
    ['r1', uuidOf('r1'), 'i1', 'i1', 'default', 'ready'],
    ['r2', uuidOf('r2'), 'i3', 'i3', 'default', 'ready'],
    ['r3', uuidOf('r3'), 'i5', 'i5', 'hot', 'ready'],
    ['r4', uuidOf('r4'), 'i6', 'i6', 'hot', 'ready'],
  ]);
});

test('_pico_table: user tables sharded by their primary key in key order, or as setDistribution says', async () => {
  await standIn.sql(`CREATE TABLE topo_t (a int, b double precision, c text, PRIMARY KEY (c, a));
    CREATE TABLE topo_g (id int PRIMARY KEY); CREATE TABLE topo_k (id int PRIMARY KEY, x text, y int)`);
  await standIn.setDistribution('topo_g', 'global');
  await standIn.setDistribution('topo_k', { key: ['y', 'x'], tier: 'hot' });
  const result = await query(standIn, 'md5', `SELECT id, name, distribution FROM _pico_table WHERE name LIKE 'topo_%' ORDER BY name`);
  assert.equal(result.fields.find((f) => f.name === 'distribution')?.dataTypeID, 114);
  assert.equal(result.fields.find((f) => f.name === 'id')?.dataTypeID, 20);
  assert.deepEqual(result.rows.map((r) => [r.name, r.distribution]), [
    ['topo_g', { Global: null }],
    ['topo_k', { ShardedImplicitly: [['y', 'x'], 'murmur3', 'hot'] }],
    ['topo_t', { ShardedImplicitly: [['c', 'a'], 'murmur3', 'default'] }],
  ]);
  const { rows: system } = await query(standIn, 'md5', `SELECT name FROM _pico_table WHERE name LIKE '\\_pico%' OR name LIKE '\\_stand\\_in%'`);
  assert.deepEqual(system, []);
  await standIn.setDistribution('topo_k', null);
  const { rows } = await query(standIn, 'md5', `SELECT distribution::text AS d FROM _pico_table WHERE name = 'topo_k'`);
  assert.equal(rows[0].d, '{"ShardedImplicitly":[["id"],"murmur3","default"]}');
  await assert.rejects(standIn.setDistribution('topo_k', { key: [] }), ConfigError);
});

test('only granted users read _pico_tier, _pico_replicaset and _pico_table; every user reads the discovery tables', async () => {
  for (const table of ['_pico_tier', '_pico_replicaset', '_pico_table']) {
    await assert.rejects(query(standIn, 'scram', `SELECT * FROM ${table}`), (error: { code?: string; message: string }) => {
      assert.equal(error.code, '42501');
      assert.match(error.message, /permission denied/);
      return true;
    });
  }
  for (const table of ['_pico_instance', '_pico_peer_address']) {
    assert.ok((await query(standIn, 'scram', `SELECT * FROM ${table}`)).rows.length > 0);
  }
  await standIn.grant('scram', '_pico_replicaset');
  assert.equal((await query(standIn, 'scram', 'SELECT * FROM _pico_replicaset')).rows.length, 4);
  await assert.rejects(query(standIn, 'scram', 'SELECT * FROM _pico_table'), { code: '42501' });
  await standIn.revoke('scram');
  await assert.rejects(query(standIn, 'scram', 'SELECT * FROM _pico_replicaset'), { code: '42501' });
  await assert.rejects(standIn.grant('scram', '_pico_instance' as never), ConfigError);
});

test('_pico_bucket: merged ranges covering 1..bucket_count, split evenly in replicaset order; callable by every user', async () => {
  const ranges = await buckets('default', 'cleartext');
  assert.deepEqual(ranges, [
    { tier_name: 'default', bucket_id_start: 1, bucket_id_end: 1500, state: 'active', current_replicaset_uuid: uuidOf('r1'), target_replicaset_uuid: uuidOf('r1') },
    { tier_name: 'default', bucket_id_start: 1501, bucket_id_end: 3000, state: 'active', current_replicaset_uuid: uuidOf('r2'), target_replicaset_uuid: uuidOf('r2') },
  ]);
  assert.deepEqual((await buckets('hot')).map((r) => [r.bucket_id_start, r.bucket_id_end, r.current_replicaset_uuid]), [
    [1, 50, uuidOf('r3')], [51, 100, uuidOf('r4')],
  ]);
  const { fields } = await query(standIn, 'scram', `SELECT _pico_bucket('default') AS b`);
  assert.equal(fields[0]?.dataTypeID, 114);
});

test('_pico_bucket: Picodata\'s errors for a null, empty or unknown tier', async () => {
  await assert.rejects(query(standIn, 'scram', 'SELECT _pico_bucket(NULL)'), { message: '_pico_bucket: tier name is null' });
  await assert.rejects(query(standIn, 'scram', `SELECT _pico_bucket('')`), { message: `_pico_bucket: tier '' doesn't exist` });
  await assert.rejects(query(standIn, 'scram', `SELECT _pico_bucket('no_such_tier')`), { message: `_pico_bucket: tier 'no_such_tier' doesn't exist` });
});

test('moveBuckets: _pico_bucket names the new owner, cutting and merging ranges', async () => {
  await standIn.moveBuckets({ start: 10, end: 20 }, 'r2');
  assert.deepEqual((await buckets('default')).map((r) => [r.bucket_id_start, r.bucket_id_end, r.current_replicaset_uuid]), [
    [1, 9, uuidOf('r1')], [10, 20, uuidOf('r2')], [21, 1500, uuidOf('r1')], [1501, 3000, uuidOf('r2')],
  ]);
  await standIn.moveBuckets({ start: 10, end: 20 }, 'r1');
  await standIn.moveBuckets({ start: 1400, end: 1600 }, 'r1');
  assert.deepEqual((await buckets('default')).map((r) => [r.bucket_id_start, r.bucket_id_end, r.current_replicaset_uuid]), [
    [1, 1600, uuidOf('r1')], [1601, 3000, uuidOf('r2')],
  ]);
  await standIn.moveBuckets({ start: 1, end: 100 }, 'r4', 'hot');
  assert.deepEqual((await buckets('hot')).map((r) => [r.bucket_id_start, r.bucket_id_end]), [[1, 100]]);
  await assert.rejects(standIn.moveBuckets({ start: 1, end: 3001 }, 'r1'), /buckets 1\.\.3000 only/);
  await assert.rejects(standIn.moveBuckets({ start: 1, end: 5 }, 'r3'), /tier default has no replicaset r3/);
  await assert.rejects(standIn.moveBuckets({ start: 5, end: 1 }, 'r1'), ConfigError);
  await standIn.moveBuckets({ start: 1, end: 1500 }, 'r1');
  await standIn.moveBuckets({ start: 1501, end: 3000 }, 'r2');
  await standIn.moveBuckets({ start: 51, end: 100 }, 'r4', 'hot');
  await standIn.moveBuckets({ start: 1, end: 50 }, 'r3', 'hot');
});

test('setLeader sets current and target master; a bad pair is refused', async () => {
  await standIn.setLeader('r1', 'i2');
  const read = async () => (await query(standIn, 'md5', `SELECT current_master_name, target_master_name, master_change_counter FROM _pico_replicaset WHERE name = 'r1'`)).rows[0];
  assert.deepEqual(await read(), { current_master_name: 'i2', target_master_name: 'i2', master_change_counter: '1' });
  await assert.rejects(standIn.setLeader('r1', 'i3'), ConfigError);
  await standIn.setLeader('r1', 'i1');
  assert.equal((await read()).current_master_name, 'i1');
});

test('a replicaset joining or leaving a tier: rows kept in step, buckets split evenly again; a new tier comes with its first instance', async () => {
  const added = await standIn.addInstance({ tier: 'hot' });
  const rs = added.replicasetName;
  const hot = await buckets('hot');
  assert.deepEqual(hot.map((r) => [r.bucket_id_start, r.bucket_id_end, r.current_replicaset_uuid]), [
    [1, 33, uuidOf('r3')], [34, 66, uuidOf('r4')], [67, 100, added.replicasetUuid],
  ]);
  const cold = await standIn.addInstance({ tier: 'cold' });
  assert.deepEqual((await buckets('cold')).map((r) => [r.bucket_id_start, r.bucket_id_end, r.current_replicaset_uuid]), [
    [1, 3000, cold.replicasetUuid],
  ]);
  const tiers = (await query(standIn, 'md5', `SELECT name, bucket_count, is_default FROM _pico_tier WHERE name = 'cold'`)).rows;
  assert.deepEqual(tiers, [{ name: 'cold', bucket_count: '3000', is_default: false }]);
  await standIn.removeInstance(added.name);
  await standIn.removeInstance(cold.name);
  const names = (await query(standIn, 'md5', 'SELECT name FROM _pico_replicaset ORDER BY name')).rows.map((r) => r.name);
  assert.ok(!names.includes(rs), `${rs} should be gone: ${names.join(', ')}`);
  assert.deepEqual((await buckets('hot')).map((r) => [r.bucket_id_start, r.bucket_id_end]), [[1, 50], [51, 100]]);
});

test('removing a master hands the replicaset to its next member', async () => {
  const joined = await standIn.addInstance({ replicasetName: 'r2' });
  await standIn.setLeader('r2', joined.name);
  await standIn.removeInstance(joined.name);
  const { rows } = await query(standIn, 'md5', `SELECT current_master_name FROM _pico_replicaset WHERE name = 'r2'`);
  assert.equal(rows[0].current_master_name, 'i3');
});

test('the legacy schema has none of it', async () => {
  const out = await standIn.sql(`SELECT count(*) FROM pg_class WHERE relname IN ('_pico_tier', '_pico_replicaset', '_pico_table')`, standIn.databases.legacy);
  assert.equal(out, '0');
});

test('bad tier options are refused before anything starts', async () => {
  const { startStandIn } = await import('../../src/testkit/index.js');
  await assert.rejects(startStandIn({ tiers: [{ name: 'default', instances: 2 }] }), ConfigError);
  await assert.rejects(startStandIn({ tiers: [{ name: 'x' }, { name: 'x' }] }), ConfigError);
  await assert.rejects(startStandIn({ bucketCount: 0 }), ConfigError);
  await assert.rejects(startStandIn({ grantTopologyRead: ['nobody' as UserKind] }), ConfigError);
});
