/**
 * `picots route` against the gateway stand-in (PostgreSQL behind a Picodata-like gateway, not Picodata).
 *
 * Two replicasets of two instances: r1 = i1, i2; r2 = i3, i4; buckets 1..1500 are r1's, 1501..3000 r2's
 * (the stand-in splits them evenly). The md5 user may read `_pico_replicaset`, the scram user may not.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bucketId, keyPart } from '../../src/index.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';
import type { RouteView } from '../../src/cli/route-lookup.js';
import { eventually, sleep } from '../helpers/wait.js';
import { runCli } from './run-cli.js';

let cluster: Cluster;
const rsOf = (bucket: number) => (bucket <= 1500 ? 'r1' : 'r2');
const uuidOfReplicaset = (name: string) => cluster.instances.find((i) => i.replicasetName === name)!.replicasetUuid;
const addressOf = (name: string) => cluster.instance(name).address;

before(async () => {
  cluster = await startCluster({ instances: 4, replicationFactor: 2, grantTopologyRead: ['md5'] });
});
after(async () => {
  await cluster?.stop();
});

async function routeJson(args: string[]): Promise<RouteView> {
  const run = await runCli(['route', ...args, '--json']);
  assert.equal(run.code, 0, run.err);
  return JSON.parse(run.out) as RouteView;
}

test('an integer key: its bucket, the owning replicaset by name and uuid, its leader and the instance a write goes to', { timeout: 60_000 }, async () => {
  assert.equal(bucketId(1), 1934, 'key 1 is in r2');
  const view = await routeJson([cluster.dsn('md5'), '1']);
  assert.deepEqual(view.key, [{ type: 'integer', value: '1' }]);
  assert.deepEqual([view.tier, view.bucket, view.bucketCount, view.bucketCountSource, view.bucketMap], ['default', 1934, 3000, 'cluster', true]);
  assert.deepEqual(view.replicaset, { name: 'r2', uuid: uuidOfReplicaset('r2') });
  assert.equal(view.leader, 'i3', 'the first instance of a replicaset is its master');
  assert.deepEqual(view.owner, { name: 'i3', uuid: cluster.instance('i3').uuid, address: addressOf('i3') });
  assert.deepEqual(view.notes, []);

  const text = await runCli(['route', cluster.dsn('md5'), '1']);
  assert.equal(text.code, 0, text.err);
  assert.deepEqual(text.out.split('\n'), [
    'key         1 (integer)',
    'tier        default',
    'bucket      1934 of 3000',
    `replicaset  r2 (uuid ${uuidOfReplicaset('r2')})`,
    'leader      i3',
    `write goes  i3 at ${addressOf('i3')}`,
  ]);
});

test('composite and typed keys hash as bucketId does; a text that looks like a number says how to write the number', { timeout: 60_000 }, async () => {
  const dsn = cluster.dsn('md5');
  const composite = await routeJson([dsn, 'eu', '-7']);
  assert.deepEqual(composite.key, [{ type: 'text', value: 'eu' }, { type: 'integer', value: '-7' }]);
  assert.equal(composite.bucket, bucketId(['eu', -7]));
  assert.equal(composite.replicaset?.name, rsOf(composite.bucket));

  const typed = await routeJson([dsn, 'text:42', 'decimal:1.50', 'uuid:9035910e-8342-4460-8c25-25e5f10d9876', 'bool:true', 'null', 'double:0.5', 'int:9007199254740993']);
  const expected = bucketId(['42', keyPart.decimal('1.50'), keyPart.uuid('9035910e-8342-4460-8c25-25e5f10d9876'), true, null, 0.5, 9007199254740993n]);
  assert.equal(typed.bucket, expected);
  assert.deepEqual(typed.key.map((k) => k.type), ['text', 'decimal', 'uuid', 'boolean', 'null', 'double', 'integer']);
  assert.equal(typed.key[6]!.value, '9007199254740993', 'integers stay exact');

  const when = await routeJson([dsn, 'datetime:2025-06-10T15:10:08+03:00']);
  assert.equal(when.bucket, bucketId(keyPart.datetime(new Date('2025-06-10T12:10:08Z'), 180)), 'the offset is kept and hashed');

  const looks = await routeJson([dsn, '007', '1.5']);
  assert.equal(looks.bucket, bucketId(['007', '1.5']), 'both are text');
  assert.equal(looks.notes.length, 2);
  assert.match(looks.notes[0]!, /'007' is hashed as text .*int:007/);
  assert.match(looks.notes[1]!, /'1\.5' is hashed as text; write decimal:1\.5 or double:1\.5/);
});

test('without READ on _pico_replicaset the leader is unknown and a write goes to a member of the owner', { timeout: 60_000 }, async () => {
  const view = await routeJson([cluster.dsn('scram'), '1']);
  assert.equal(view.replicaset?.name, 'r2', 'the name comes from _pico_instance');
  assert.equal(view.leader, null);
  assert.ok(['i3', 'i4'].includes(view.owner?.name ?? ''), JSON.stringify(view.owner));
  assert.equal(view.notes.length, 1);
  assert.match(view.notes[0]!, /^the leader is unknown \(_pico_replicaset cannot be read: permission denied for table _pico_replicaset\); a keyed write goes to any member/);
  const text = await runCli(['route', cluster.dsn('scram'), '1']);
  assert.match(text.out, /^leader {6}unknown$/m);
});

test('a new leader and a moved bucket range show at once', { timeout: 60_000 }, async () => {
  const dsn = cluster.dsn('md5');
  await cluster.setLeader('r2', 'i4');
  try {
    const view = await routeJson([dsn, '1']);
    assert.deepEqual([view.leader, view.owner?.name], ['i4', 'i4']);
    await cluster.moveBuckets({ start: 1901, end: 2000 }, 'r1');
    const moved = await routeJson([dsn, '1']);
    assert.deepEqual([moved.bucket, moved.replicaset?.name, moved.leader, moved.owner?.name], [1934, 'r1', 'i1', 'i1']);
  } finally {
    await cluster.moveBuckets({ start: 1901, end: 2000 }, 'r2');
    await cluster.setLeader('r2', 'i3');
  }
});

test('--bucket-count differing from the cluster is noted and the cluster\'s count used; an unknown --tier fails with the tiers', { timeout: 60_000 }, async () => {
  const dsn = cluster.dsn('md5');
  const view = await routeJson([dsn, '1', '--bucket-count', '16384']);
  assert.deepEqual([view.bucket, view.bucketCount, view.bucketCountSource], [1934, 3000, 'cluster']);
  assert.match(view.notes[0]!, /--bucket-count 16384 is not the cluster's: tier 'default' has 3000 buckets/);
  const tier = await runCli(['route', dsn, '1', '--tier', 'storage']);
  assert.equal(tier.code, 1);
  assert.equal(tier.err, "picots route: the cluster has no tier 'storage'; its tiers: default");
});

test('a cluster without _pico_bucket: said plainly, and the bucket is still computed (3000 or --bucket-count)', { timeout: 60_000 }, async () => {
  // The legacy database has Picodata 24.x's schema: no _pico_bucket.
  const dsn = cluster.dsn('md5', { database: cluster.databases.legacy });
  const text = await runCli(['route', dsn, '1']);
  assert.equal(text.code, 0, text.err);
  const lines = text.out.split('\n');
  assert.deepEqual(lines.slice(0, 4), ['key         1 (integer)', 'tier        default', 'bucket      1934 of 3000 (computed here)', 'replicaset  unknown: the cluster has no bucket map']);
  assert.match(lines[4]!, /^note: this cluster has no _pico_bucket\(\) \(Picodata before 25\.5\.1\)/);
  assert.match(lines[5]!, /^note: the bucket is computed here with 3000 buckets, Picodata's default; give --bucket-count/);
  const counted = await routeJson([dsn, '1', '--bucket-count', '16384']);
  assert.deepEqual([counted.bucket, counted.bucketCount, counted.bucketCountSource, counted.bucketMap, counted.replicaset, counted.owner], [bucketId(1, 16384), 16384, 'option', false, null, null]);
  assert.equal(counted.notes.length, 1);
});

test('usage errors go to stderr with exit 2 and name the part; --help explains how parts are typed', async () => {
  const dsn = 'postgresql://u:Secret1@127.0.0.1:1/picots';
  const cases: Array<[string[], RegExp]> = [
    [['route', dsn], /the key is missing after the DSN/],
    [['route', dsn, 'int:abc'], /key part 1 'int:abc': int: takes a whole number/],
    [['route', dsn, '1', 'int:18446744073709551616'], /key part 2 'int:18446744073709551616': /],
    [['route', dsn, 'uuid:nope'], /key part 1 'uuid:nope': expected a uuid text/],
    [['route', dsn, 'decimal:1.2.3'], /key part 1 'decimal:1\.2\.3'/],
    [['route', dsn, 'datetime:2025-06-10T12:10:08'], /datetime: takes an ISO date and time with its zone/],
    [['route', dsn, 'bool:yes'], /bool: takes true or false/],
    [['route', dsn, '1', '--bucket-count', '0'], /--bucket-count takes a whole number from 1/],
    [['route', dsn, '1', '--tier', ''], /--tier needs a tier name/],
    [['route', dsn, '1', '--tier'], /option '--tier' needs a value/],
    [['query', dsn, 'SELECT 1', '--tier', 'x'], /--tier is not an option of query/],
  ];
  for (const [argv, message] of cases) {
    const run = await runCli(argv);
    assert.equal(run.code, 2, `${argv.join(' ')}: ${run.err}`);
    assert.equal(run.out, '');
    assert.match(run.err, message);
    assert.ok(!run.err.includes('Secret1'), 'no password in a message');
  }
  const json = await runCli(['route', dsn, 'bool:yes', '--json']);
  assert.equal((JSON.parse(json.err) as { error: { code: string } }).error.code, 'ERR_PICOTS_USAGE');
  const help = await runCli(['route', '--help']);
  assert.equal(help.code, 0);
  for (const bit of ['picots route [<dsn>] <key parts...>', '--tier <name>', '--bucket-count <n>', '42, -7', 'int:42', 'text:42', 'decimal:1.50', 'uuid:', 'double:1', 'bool:true', 'datetime:', 'null']) {
    assert.ok(help.out.includes(bit), `help mentions ${bit}\n${help.out}`);
  }
  for (const line of help.out.split('\n')) assert.ok(line.length <= 110, `help line too wide: ${line}`);
});

test('Ctrl-C while the cluster does not answer: exit 130 at once, connections closed', { timeout: 60_000 }, async () => {
  // A held instance accepts the connection and never answers the handshake: route waits on it until Ctrl-C.
  cluster.clearSessions();
  cluster.hold('i1');
  try {
    const ctrlC = new AbortController();
    const running = runCli(['route', cluster.dsn('md5'), '1'], { signal: ctrlC.signal });
    await sleep(300);
    ctrlC.abort();
    const run = await running;
    assert.equal(run.code, 130, run.err);
    assert.equal(run.err, 'picots route: interrupted by Ctrl-C');
  } finally {
    cluster.release('i1');
  }
  assert.ok(await eventually(() => cluster.sessions('i1').length > 0 && cluster.sessions('i1').every((s) => s.state === 'closed'), 5_000), 'no session left open on i1');
});
