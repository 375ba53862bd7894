/** Parsing `_pico_bucket` and `_pico_replicaset` answers, and the bucket -> replicaset lookup. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketMapFormatError, bucketRangesSql, parseBucketRanges, parseReplicasets } from '../../src/topology/bucket-map.js';

const A = 'ad033267-39ac-4ee4-822f-785d021db1cc';
const B = 'd9c7e155-9434-4760-8a69-e62c42f22e4c';

// The example in Picodata's docs (system_functions.md), keys in the order it printed them.
const DOCS = `[{"bucket_id_start":1,"target_replicaset_uuid":"${A}","tier_name":"default","state":"active","current_replicaset_uuid":"${A}","bucket_id_end":8192},
 {"bucket_id_start":8193,"target_replicaset_uuid":"${B}","tier_name":"default","state":"active","current_replicaset_uuid":"${B}","bucket_id_end":16384}]`;

test('the docs example, as text: two ranges, bucketCount is the largest end, lookups at the edges', () => {
  const map = parseBucketRanges(DOCS);
  assert.equal(map.bucketCount, 16384);
  assert.equal(map.size, 2);
  assert.equal(map.replicasetOf(1), A);
  assert.equal(map.replicasetOf(8192), A);
  assert.equal(map.replicasetOf(8193), B);
  assert.equal(map.replicasetOf(16384), B);
  assert.equal(map.replicasetOf(0), undefined);
  assert.equal(map.replicasetOf(16385), undefined);
});

test('already-parsed JSON, ranges out of order and keys in any order, gaps answer undefined', () => {
  const range = (start: number, end: number, uuid: string) => ({ current_replicaset_uuid: uuid, bucket_id_end: end, state: 'active', bucket_id_start: start });
  const map = parseBucketRanges([range(2001, 3000, A), range(1, 1000, B), range(1001, 1500, A)]);
  assert.equal(map.bucketCount, 3000);
  assert.deepEqual(map.ranges().map((r) => [r.start, r.end]), [[1, 1000], [1001, 1500], [2001, 3000]]);
  assert.equal(map.replicasetOf(1000), B);
  assert.equal(map.replicasetOf(1001), A);
  assert.equal(map.replicasetOf(1750), undefined, 'a gap');
  assert.equal(map.replicasetOf(2001), A);
  // Every bucket of a many-range map agrees with a linear scan.
  const many = Array.from({ length: 300 }, (_, i) => range(i * 10 + 1, i * 10 + 10, i % 2 === 0 ? A : B));
  const big = parseBucketRanges(JSON.stringify(many));
  for (let b = 1; b <= 3000; b++) assert.equal(big.replicasetOf(b), many[Math.floor((b - 1) / 10)]!.current_replicaset_uuid);
});

test('an arbiter tier answers [] (no buckets): bucketCount 0', () => {
  const map = parseBucketRanges('[]');
  assert.equal(map.bucketCount, 0);
  assert.equal(map.replicasetOf(1), undefined);
});

test('answers that are not a bucket map are refused, not guessed at', () => {
  const bad: unknown[] = [
    'not json', null, 42, '{"a":1}', [null],
    [{ bucket_id_start: 0, bucket_id_end: 10, current_replicaset_uuid: A }],
    [{ bucket_id_start: 5, bucket_id_end: 4, current_replicaset_uuid: A }],
    [{ bucket_id_start: 1, bucket_id_end: 10 }],
    [{ bucket_id_start: 1.5, bucket_id_end: 10, current_replicaset_uuid: A }],
    [{ bucket_id_start: 1, bucket_id_end: 10, current_replicaset_uuid: A }, { bucket_id_start: 10, bucket_id_end: 20, current_replicaset_uuid: B }],
  ];
  for (const value of bad) assert.throws(() => parseBucketRanges(value), BucketMapFormatError, JSON.stringify(value));
});

test('the statement names the tier as a literal, quotes doubled', () => {
  assert.equal(bucketRangesSql('default'), "SELECT _pico_bucket('default') AS b");
  assert.equal(bucketRangesSql("o'brien"), "SELECT _pico_bucket('o''brien') AS b");
});

test('_pico_replicaset rows: the leader is current_master_name, unknown while it changes', () => {
  const rs = parseReplicasets([
    { name: 'r1', uuid: A, current_master_name: 'i1', target_master_name: 'i1', tier: 'default' },
    { name: 'r2', uuid: B, current_master_name: 'i2', target_master_name: 'i3', tier: 'default' },
    { name: 'r3', uuid: 'c', current_master_name: '', target_master_name: '', tier: 'default' },
    { name: 'broken', uuid: null },
  ]);
  assert.deepEqual([...rs.keys()], [A, B, 'c']);
  assert.equal(rs.get(A)!.leaderName, 'i1');
  assert.equal(rs.get(A)!.name, 'r1');
  assert.equal(rs.get(B)!.leaderName, undefined, 'changing');
  assert.equal(rs.get('c')!.leaderName, undefined, 'none named');
});
