/**
 * The gateway's owner-served record: for each keyed statement, the bucket of its key (picots' own
 * bucketId), the replicaset owning it, and whether the instance that served it belongs to that
 * replicaset and is its master. Statements are sent with `pg` straight to one instance's address.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { bucketId } from '../../src/index.js';
import { startCluster, type KeyedStatementRecord } from '../../src/testkit/index.js';

// Two replicasets of two: r1 = i1 (master), i2; r2 = i3 (master), i4. Buckets 1..1500 on r1, 1501..3000 on r2.
// And tier `hot` with 100 buckets: r3 = i5.
const cluster = await startCluster({
  instances: 4, replicationFactor: 2, spareAddresses: 0, record: false,
  tiers: [{ name: 'hot', instances: 1, replicationFactor: 1, bucketCount: 100 }],
});
after(() => cluster.stop());

const clients = new Map<string, pg.Client>();
async function on(instance: string): Promise<pg.Client> {
  let client = clients.get(instance);
  if (!client) {
    client = new pg.Client({ connectionString: cluster.dsn('scram', { instance }), connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    clients.set(instance, client);
  }
  return client;
}
after(async () => {
  for (const client of clients.values()) await client.end();
});

const owner = (bucket: number) => (bucket <= 1500 ? 'r1' : 'r2');
// 400 hashes to bucket 590 (a Picodata test vector), 1 to bucket 1934.
const ON_R1 = 400;
const ON_R2 = 1;

async function only(run: () => Promise<unknown>): Promise<KeyedStatementRecord> {
  cluster.clearKeyedStatements();
  await run();
  const records = cluster.keyedStatements();
  assert.equal(records.length, 1, JSON.stringify(records));
  return records[0] as KeyedStatementRecord;
}

test('setup: a table created through the gateway', async () => {
  await (await on('i1')).query('CREATE TABLE kv (id bigint PRIMARY KEY, v text)');
  assert.equal(owner(bucketId(ON_R1)), 'r1');
  assert.equal(owner(bucketId(ON_R2)), 'r2');
});

test('an INSERT sent to the owner\'s master is served by owner and leader', async () => {
  const record = await only(async () => (await on('i1')).query('INSERT INTO kv (id, v) VALUES ($1, $2)', [ON_R1, 'a']));
  assert.deepEqual(record, {
    sql: 'INSERT INTO kv (id, v) VALUES ($1, $2)', sessionId: record.sessionId, instance: 'i1', replicaset: 'r1', table: 'kv',
    tier: 'default', bucket: 590, ownerReplicaset: 'r1', servedByOwner: true, servedByLeader: true,
  });
});

test('an INSERT sent to another replicaset is not served by the owner', async () => {
  const record = await only(async () => (await on('i1')).query('INSERT INTO kv (id, v) VALUES ($1::bigint, $2)', [ON_R2, 'b']));
  assert.equal(record.bucket, 1934);
  assert.equal(record.ownerReplicaset, 'r2');
  assert.equal(record.replicaset, 'r1');
  assert.equal(record.servedByOwner, false);
  assert.equal(record.servedByLeader, false);
});

test('a SELECT by key: to the owner, to a replica of the owner, to a non-owner; also in the simple protocol', async () => {
  const select = 'SELECT v FROM kv WHERE id = $1';
  const toOwner = await only(async () => (await on('i3')).query(select, [ON_R2]));
  assert.deepEqual([toOwner.instance, toOwner.ownerReplicaset, toOwner.servedByOwner, toOwner.servedByLeader], ['i3', 'r2', true, true]);
  const toReplica = await only(async () => (await on('i4')).query(select, [ON_R2]));
  assert.deepEqual([toReplica.servedByOwner, toReplica.servedByLeader], [true, false]);
  const toOther = await only(async () => (await on('i2')).query(select, [ON_R2]));
  assert.deepEqual([toOther.replicaset, toOther.servedByOwner, toOther.servedByLeader], ['r1', false, false]);
  const simple = await only(async () => (await on('i1')).query(`SELECT v FROM kv WHERE id = ${ON_R1}`));
  assert.deepEqual([simple.bucket, simple.servedByLeader], [590, true]);
});

test('statements without a readable key are not recorded', async () => {
  cluster.clearKeyedStatements();
  const client = await on('i1');
  await client.query('SELECT * FROM kv');
  await client.query('SELECT v FROM kv WHERE id = $1 OR id = $2', [1, 2]);
  await client.query('SELECT 1');
  await client.query('SELECT * FROM _pico_instance WHERE name = $1', ['i1']);
  assert.deepEqual(cluster.keyedStatements(), []);
});

test('setLeader and moveBuckets change the record at once', async () => {
  const select = 'SELECT v FROM kv WHERE id = $1';
  await cluster.setLeader('r1', 'i2');
  const newLeader = await only(async () => (await on('i2')).query(select, [ON_R1]));
  assert.deepEqual([newLeader.servedByOwner, newLeader.servedByLeader], [true, true]);
  const oldLeader = await only(async () => (await on('i1')).query(select, [ON_R1]));
  assert.deepEqual([oldLeader.servedByOwner, oldLeader.servedByLeader], [true, false]);
  await cluster.setLeader('r1', 'i1');

  await cluster.moveBuckets({ start: 590, end: 590 }, 'r2');
  const moved = await only(async () => (await on('i1')).query(select, [ON_R1]));
  assert.deepEqual([moved.ownerReplicaset, moved.servedByOwner], ['r2', false]);
  const movedOwner = await only(async () => (await on('i3')).query(select, [ON_R1]));
  assert.deepEqual([movedOwner.ownerReplicaset, movedOwner.servedByLeader], ['r2', true]);
  await cluster.moveBuckets({ start: 590, end: 590 }, 'r1');
});

test('a table made behind the gateway, sharded by a composite key in key order and by setDistribution', async () => {
  await cluster.standIn.sql('CREATE TABLE kt (a int, b int, c text, PRIMARY KEY (c, a)); GRANT ALL ON kt TO picots_clients');
  // (c, a) = ('2', 1) is bucket 2997, a Picodata test vector.
  const composite = await only(async () => (await on('i3')).query('INSERT INTO kt (a, b, c) VALUES ($1, $2, $3)', [1, 5, '2']));
  assert.deepEqual([composite.table, composite.bucket, composite.ownerReplicaset, composite.servedByLeader], ['kt', 2997, 'r2', true]);
  await cluster.setDistribution('kt', { key: ['b'] });
  const byB = await only(async () => (await on('i1')).query('UPDATE kt SET c = c WHERE b = $1', [ON_R1]));
  assert.deepEqual([byB.bucket, byB.servedByLeader], [590, true]);
  await cluster.setDistribution('kt', 'global');
  cluster.clearKeyedStatements();
  await (await on('i1')).query('SELECT * FROM kt WHERE b = $1', [1]);
  assert.deepEqual(cluster.keyedStatements(), []);
});

test('a table on another tier: that tier\'s bucket count and owners', async () => {
  await (await on('i5')).query('CREATE TABLE kh (id bigint PRIMARY KEY)');
  await cluster.setDistribution('kh', { key: ['id'], tier: 'hot' });
  const record = await only(async () => (await on('i5')).query('INSERT INTO kh (id) VALUES ($1)', [ON_R1]));
  assert.deepEqual([record.tier, record.bucket, record.ownerReplicaset, record.servedByLeader], ['hot', bucketId(ON_R1, 100), 'r3', true]);
  const elsewhere = await only(async () => (await on('i1')).query('SELECT * FROM kh WHERE id = $1', [ON_R1]));
  assert.deepEqual([elsewhere.ownerReplicaset, elsewhere.servedByOwner], ['r3', false]);
});

test('topology tables through the gateway: refused (XX000) until granted, as on Picodata', async () => {
  const read = async (kind: 'scram' | 'md5') => {
    const client = new pg.Client({ connectionString: cluster.dsn(kind, { instance: 'i2' }), connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query('SELECT name, current_master_name FROM _pico_replicaset ORDER BY name')).rows;
    } finally {
      await client.end();
    }
  };
  await assert.rejects(read('md5'), (error: { code?: string; message: string }) => {
    assert.equal(error.code, 'XX000');
    assert.match(error.message, /permission denied/);
    return true;
  });
  await cluster.grant('md5');
  assert.deepEqual(await read('md5'), [
    { name: 'r1', current_master_name: 'i1' }, { name: 'r2', current_master_name: 'i3' }, { name: 'r3', current_master_name: 'i5' },
  ]);
  await cluster.revoke('md5');
});
