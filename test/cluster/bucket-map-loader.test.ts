/**
 * The bucket map loader with fake instances that answer canned rows: when it reads, how often, and what it
 * does with each kind of failure. No sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyHash } from '../../src/routing/bucket-id.js';
import { BucketMapLoader, NO_BUCKET_MAP } from '../../src/cluster/bucket-map-loader.js';
import type { Member } from '../../src/cluster/member.js';
import type { DiscoveredInstance } from '../../src/topology/discover.js';
import { ConnectionError, ServerError } from '../../src/errors.js';
import { eventually, sleep } from '../helpers/wait.js';

type Answer = (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>;

const RANGES = JSON.stringify([
  { bucket_id_start: 1, bucket_id_end: 1500, current_replicaset_uuid: 'rs1' },
  { bucket_id_start: 1501, bucket_id_end: 3000, current_replicaset_uuid: 'rs2' },
]);
const REPLICASETS = [
  { name: 'r1', uuid: 'rs1', current_master_name: 'i1', target_master_name: 'i1', tier: 'default' },
  { name: 'r2', uuid: 'rs2', current_master_name: 'i2', target_master_name: 'i2', tier: 'default' },
];
const ok: Answer = async (sql) => (sql.includes('_pico_bucket') ? { rows: [{ b: RANGES }] } : { rows: REPLICASETS });

function fakeMember(key: string, answer: { current: Answer }, sqls: string[]): Member {
  return {
    key, inFlight: 0,
    connectionsFor: () => ({ background: (sql: string) => (sqls.push(`${key}: ${sql}`), answer.current(sql)) }),
  } as unknown as Member;
}

const instance = (uuid: string, name: string, replicasetUuid: string, tier = 'default') =>
  ({ uuid, name, replicasetUuid, tier }) as unknown as DiscoveredInstance;
const INSTANCES = [instance('u1', 'i1', 'rs1'), instance('u2', 'i2', 'rs2', 'storage')];

function setup(answers: Answer[], discovery = true) {
  const sqls: string[] = [];
  const current = answers.map((a) => ({ current: a }));
  const members = current.map((a, i) => fakeMember(`m${i}`, a, sqls));
  const warnings: string[] = [];
  const debug: string[] = [];
  const failed: string[] = [];
  const loader = new BucketMapLoader({
    healthy: () => members,
    discovery,
    session: '',
    timeout: 1000,
    warnOnce: (() => {
      const seen = new Set<string>();
      return (key: string, code: string) => void (!seen.has(key) && (seen.add(key), warnings.push(code)));
    })(),
    debug: (m) => debug.push(m),
    instanceFailed: (m) => failed.push(m.key),
    isClosing: () => false,
  });
  return { loader, sqls, current, warnings, debug, failed };
}

const inR1 = Array.from({ length: 100 }, (_, k) => k).find((k) => ((keyHash(k) % 3000) + 1) <= 1500)!;

test('nothing is read until keyed routing is used; then each tier and the leaders, and again with each topology read', async () => {
  const { loader, sqls } = setup([ok]);
  await loader.topologyRead(INSTANCES, 'u2');
  assert.deepEqual(sqls, [], 'not in use yet');
  assert.equal(loader.defaultTier, 'storage', 'the seed\'s tier');
  assert.equal(loader.target(keyHash(inR1), 'default', 'leader'), null, 'not loaded yet: route as without a key');
  assert.ok(await eventually(() => loader.routes !== undefined, 1000));
  assert.deepEqual(sqls, [
    "m0: SELECT _pico_bucket('default') AS b",
    "m0: SELECT _pico_bucket('storage') AS b",
    'm0: SELECT name, uuid, current_master_name, target_master_name, tier FROM _pico_replicaset',
  ]);
  assert.deepEqual(loader.target(keyHash(inR1), 'default', 'leader')?.primary, ['u1']);
  await loader.topologyRead(INSTANCES, undefined);
  assert.equal(sqls.length, 6, 'read again with the topology');
});

test('activate() (autoRoute) reads with the first topology read, before any keyed statement', async () => {
  const { loader, sqls, debug } = setup([ok]);
  loader.activate();
  assert.deepEqual(sqls, [], 'no topology yet: nothing to read');
  await loader.topologyRead(INSTANCES, 'u1');
  assert.equal(sqls.length, 3, sqls.join('\n'));
  assert.deepEqual(loader.target(keyHash(inR1), undefined, 'leader')?.primary, ['u1']);
  assert.equal(debug.filter((m) => /^bucket map read/.test(m)).length, 1);
  loader.activate();
  assert.equal(sqls.length, 3, 'a second activate() reads nothing more');
});

test('without discovery: one warning at the first keyed use, and nothing to read', async () => {
  const { loader, sqls, warnings } = setup([ok], false);
  assert.equal(loader.target(keyHash(inR1), undefined, 'leader'), null);
  loader.activate();
  assert.equal(loader.target(keyHash(inR1), undefined, 'leader'), null);
  assert.deepEqual(warnings, ['OPTIONS']);
  assert.deepEqual(sqls, []);
});

test('one read in flight; a burst of stale-map errors costs one more read', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: Answer = async (sql) => {
    await gate;
    return ok(sql);
  };
  const { loader, sqls } = setup([slow]);
  loader.target(0, undefined, 'leader');
  void loader.topologyRead([INSTANCES[0]!], undefined);
  const a = loader.reload();
  const b = loader.reload();
  await sleep(10);
  assert.equal(sqls.length, 1, 'one read in flight');
  release();
  await Promise.all([a, b]);
  assert.equal(sqls.length, 4, 'then exactly one more (2 statements each)');
  for (let i = 0; i < 20; i++) loader.stale();
  assert.ok(await eventually(() => sqls.length >= 6, 1000));
  await sleep(50);
  assert.equal(sqls.length, 6, 'twenty stale errors: one read');
});

test('no _pico_bucket: one warning, no routes, and no more reads', async () => {
  const missing: Answer = async () => {
    throw new ServerError('42883', 'function _pico_bucket(unknown) does not exist');
  };
  const { loader, sqls, warnings } = setup([missing]);
  loader.target(0, undefined, 'leader');
  await loader.topologyRead(INSTANCES, undefined);
  await loader.topologyRead(INSTANCES, undefined);
  loader.stale();
  await sleep(40);
  assert.deepEqual(warnings, [NO_BUCKET_MAP]);
  assert.equal(sqls.length, 1);
  assert.equal(loader.routes, undefined);
  // Picodata's wording for a missing function counts too.
  const pico = setup([async () => {
    throw new ServerError('XX000', 'sbroad: SQL function _pico_bucket not found');
  }]);
  pico.loader.target(0, undefined, 'leader');
  await pico.loader.topologyRead(INSTANCES, undefined);
  assert.deepEqual(pico.warnings, [NO_BUCKET_MAP]);
});

test('no READ on _pico_replicaset: routes to any member, one debug line however many reads, no warning', async () => {
  const denied: Answer = async (sql) => {
    if (sql.includes('_pico_replicaset')) throw new ServerError('42501', 'permission denied for table _pico_replicaset');
    return ok(sql);
  };
  const { loader, warnings, debug } = setup([denied]);
  loader.target(0, undefined, 'leader');
  const two = [instance('u1', 'i1', 'rs1'), instance('u3', 'i3', 'rs1'), instance('u2', 'i2', 'rs2')];
  await loader.topologyRead(two, undefined);
  await loader.topologyRead(two, undefined);
  assert.equal(loader.routes?.leadersKnown, false);
  assert.deepEqual(loader.target(keyHash(inR1), 'default', 'leader')?.primary, ['u1', 'u3']);
  assert.deepEqual(warnings, []);
  assert.equal(debug.filter((m) => /leaders unknown/.test(m)).length, 1, debug.join('\n'));
  assert.deepEqual(debug.filter((m) => /^bucket map read/.test(m)).map((m) => m.replace(/^.*: /, '')), ['tier default 3000 buckets, without the replicasets\' leaders'], 'the first read only');
});

test('an instance that cannot answer: the next one is asked and the first reported; a failed read keeps the map it had', async () => {
  const lost: Answer = async () => {
    throw new ConnectionError('socket closed', { phase: 'result', mayHaveReachedServer: true });
  };
  const { loader, failed, current } = setup([lost, ok]);
  loader.target(0, undefined, 'leader');
  await loader.topologyRead([INSTANCES[0]!], undefined);
  assert.deepEqual(failed, ['m0']);
  const routes = loader.routes;
  assert.ok(routes !== undefined);
  current[1]!.current = async () => ({ rows: [{ b: 'not json' }] });
  await loader.reload();
  assert.equal(loader.routes, routes, 'an unreadable answer leaves the map as it was');
});
