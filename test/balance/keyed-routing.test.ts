/** From a key's hash to the owner's instances: the targets per access kind, and how candidates are narrowed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restrictToTarget, ShardRoutes } from '../../src/balance/keyed-routing.js';
import { bucketId, keyHash } from '../../src/routing/bucket-id.js';
import { parseBucketRanges, parseReplicasets } from '../../src/topology/bucket-map.js';

const range = (start: number, end: number, uuid: string) => ({ bucket_id_start: start, bucket_id_end: end, current_replicaset_uuid: uuid });
// r1 owns 1..1500, r2 owns 1501..3000; each has a leader and a replica.
const tiers = new Map([['default', parseBucketRanges([range(1, 1500, 'rs1'), range(1501, 3000, 'rs2')])]]);
const instances = [
  { uuid: 'u1', name: 'i1', replicasetUuid: 'rs1' },
  { uuid: 'u2', name: 'i2', replicasetUuid: 'rs1' },
  { uuid: 'u3', name: 'i3', replicasetUuid: 'rs2' },
  { uuid: 'u4', name: 'i4', replicasetUuid: 'rs2' },
];
const leaders = parseReplicasets([
  { name: 'r1', uuid: 'rs1', current_master_name: 'i2', target_master_name: 'i2', tier: 'default' },
  { name: 'r2', uuid: 'rs2', current_master_name: 'i3', target_master_name: 'i4', tier: 'default' },
]);

// Keys whose buckets fall in each half (bucketId(1) = 1934, bucketId([1, 2]) = 2610; find one in r1).
const inR2 = 1;
const inR1 = Array.from({ length: 100 }, (_, i) => i).find((k) => bucketId(k) <= 1500)!;

test('writes go to the leader; "any" reads to every member; "replica" reads to non-leaders, then the leader', () => {
  const routes = new ShardRoutes(tiers, instances, leaders);
  assert.equal(routes.bucketCount('default'), 3000);
  const h = keyHash(inR1);
  assert.deepEqual(routes.target(h, 'default', 'leader'), { replicasetUuid: 'rs1', primary: ['u2'], secondary: [] });
  assert.deepEqual(routes.target(h, 'default', 'any')?.primary, ['u1', 'u2']);
  assert.deepEqual(routes.target(h, 'default', 'replica'), { replicasetUuid: 'rs1', primary: ['u1'], secondary: ['u2'] });
  assert.equal(routes.target(h, 'default', 'leader'), routes.target(h, 'default', 'leader'), 'built once, not per call');
});

test('a replicaset whose leader is changing, or no leader info at all: any member', () => {
  const changing = new ShardRoutes(tiers, instances, leaders).target(keyHash(inR2), 'default', 'leader');
  assert.deepEqual(changing?.primary, ['u3', 'u4']);
  const unknown = new ShardRoutes(tiers, instances, undefined);
  assert.equal(unknown.leadersKnown, false);
  assert.deepEqual(unknown.target(keyHash(inR1), 'default', 'leader')?.primary, ['u1', 'u2']);
  assert.deepEqual(unknown.target(keyHash(inR1), 'default', 'replica')?.primary, ['u1', 'u2']);
});

test('unknown tier, bucket in a gap, or an owner with no instances: no target', () => {
  const routes = new ShardRoutes(new Map([['default', parseBucketRanges([range(1, 1000, 'rs1'), range(2001, 3000, 'nobody')])]]), instances, leaders);
  assert.equal(routes.target(keyHash(inR1), 'storage', 'leader'), undefined);
  assert.equal(routes.target(keyHash(1), 'default', 'leader'), undefined, 'bucket 1934 is in no range');
  const inNobody = Array.from({ length: 200 }, (_, i) => i).find((k) => bucketId(k) > 2000)!;
  assert.equal(routes.target(keyHash(inNobody), 'default', 'leader'), undefined);
  assert.equal(new ShardRoutes(new Map([['arbiter', parseBucketRanges([])]]), instances, leaders).bucketCount('arbiter'), undefined);
});

test('restrictToTarget keeps the healthy owners, falls to the secondary list, else gives up', () => {
  const m = (key: string) => ({ key });
  const target = { replicasetUuid: 'rs1', primary: ['u1'], secondary: ['u2'] };
  assert.deepEqual(restrictToTarget([m('u3'), m('u1'), m('u2')], target), [m('u1')]);
  assert.deepEqual(restrictToTarget([m('u3'), m('u2')], target), [m('u2')]);
  assert.equal(restrictToTarget([m('u3'), m('u4')], target), undefined);
  assert.equal(restrictToTarget([m('u1')], { replicasetUuid: 'rs1', primary: [], secondary: [] }), undefined);
});
