/** Membership with fake per-instance connection sets: keyed by uuid, moves drain, restarts expire. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceConnections } from '../../src/cluster/instance-connections.js';
import { Membership } from '../../src/cluster/membership.js';
import type { DiscoveredInstance } from '../../src/topology/discover.js';

interface FakeConnections {
  expired: number;
  closed: number;
  limits: unknown;
}

function setup(maxSize = 6) {
  const made: Array<{ key: string; session: string; fake: FakeConnections }> = [];
  const membership = new Membership({ maxSize, minSize: 0, maxSizePerInstance: Infinity, drainTimeout: 1_000 }, (member, session) => {
    const fake: FakeConnections = { expired: 0, closed: 0, limits: undefined };
    made.push({ key: member.key, session, fake });
    const resize = (limits: unknown): void => void (fake.limits = limits);
    return {
      resize,
      pool: { resize },
      expire: () => void fake.expired++,
      close: async () => void fake.closed++,
      terminate: async () => void fake.closed++,
      stats: () => ({}),
    } as unknown as InstanceConnections;
  });
  return { membership, made };
}

function instance(uuid: string, host: string, incarnation = 1, variant = 'Online'): DiscoveredInstance {
  return {
    uuid,
    name: `i-${uuid}`,
    raftId: 1,
    address: { host, port: 4327 },
    addressText: `${host}:4327`,
    replicasetName: 'r1',
    replicasetUuid: 'r1-uuid',
    tier: 'default',
    failureDomain: { zone: 'z1' },
    state: { variant, incarnation },
    targetState: { variant, incarnation },
  };
}

test('members are keyed by uuid: the same instance at the same address is kept, not replaced', () => {
  const { membership } = setup();
  const first = membership.fromDiscovery([instance('u1', '10.0.0.1'), instance('u2', '10.0.0.2')]);
  assert.equal(first.added.length, 2);
  const kept = membership.list()[0];
  const again = membership.fromDiscovery([instance('u2', '10.0.0.2'), instance('u1', '10.0.0.1')]);
  assert.deepEqual([again.added.length, again.removed.length], [0, 0]);
  assert.equal(membership.list()[0], kept, 'the very same member');
});

test('an instance that moved to another address is a new member; the old one drains', async () => {
  const { membership, made } = setup();
  membership.fromDiscovery([instance('u1', '10.0.0.1')]);
  const old = membership.list()[0]!;
  old.connectionsFor('');
  const change = membership.fromDiscovery([instance('u1', '10.0.0.9')]);
  assert.equal(change.removed[0], old);
  assert.equal(change.added[0]!.address, '10.0.0.9:4327');
  assert.equal(old.draining, true);
  assert.equal(membership.has(old), false);
  await membership.close();
  assert.equal(made[0]!.fake.closed, 1, "the old member's connections were closed");
});

test('a new incarnation (the instance restarted) expires its connections; Offline removes it', () => {
  const { membership, made } = setup();
  membership.fromDiscovery([instance('u1', '10.0.0.1', 1)]);
  membership.list()[0]!.connectionsFor('');
  membership.fromDiscovery([instance('u1', '10.0.0.1', 2)]);
  assert.equal(made[0]!.fake.expired, 1);
  assert.equal(membership.list().length, 1, 'still a member');
  const change = membership.fromDiscovery([instance('u1', '10.0.0.1', 2, 'Offline')]);
  assert.equal(change.removed.length, 1);
  assert.deepEqual(change.skipped, [{ name: 'i-u1', reason: 'state Offline' }]);
  assert.equal(membership.list().length, 0);
});

test('maxSize is split over the members and re-split when one joins', () => {
  const { membership, made } = setup(6);
  membership.fromDiscovery([instance('u1', '10.0.0.1'), instance('u2', '10.0.0.2')]);
  for (const m of membership.list()) m.connectionsFor('');
  assert.deepEqual(made.map((x) => (x.fake.limits as { maxSize: number }).maxSize), [3, 3]);
  membership.fromDiscovery([instance('u1', '10.0.0.1'), instance('u2', '10.0.0.2'), instance('u3', '10.0.0.3')]);
  assert.deepEqual(membership.list().map((m) => m.maxSize), [2, 2, 2]);
});

test('the healthy list leaves out quarantined members until they recover', () => {
  const { membership } = setup();
  membership.fromDiscovery([instance('u1', '10.0.0.1'), instance('u2', '10.0.0.2')]);
  const [a, b] = membership.list();
  assert.equal(membership.healthy().length, 2);
  a!.health.recordFailure(0);
  membership.healthChanged();
  assert.deepEqual(membership.healthy(), [b]);
  a!.health.recordSuccess();
  membership.healthChanged();
  assert.equal(membership.healthy().length, 2);
});

test('snapshots of a member carry frozen failure domains and states', () => {
  const { membership } = setup();
  membership.fromDiscovery([instance('u1', '10.0.0.1')]);
  const m = membership.list()[0]!;
  assert.ok(Object.isFrozen(m.failureDomain));
  assert.ok(Object.isFrozen(m.state));
});

test('among 100 members an idle refresh changes nothing, and one change, join or leave is still seen', () => {
  const { membership, made } = setup(200);
  const all = (): DiscoveredInstance[] => Array.from({ length: 100 }, (_, k) => instance(`u${k}`, `10.0.${k >> 8}.${k & 255}`));
  assert.equal(membership.fromDiscovery(all()).added.length, 100);
  const list = membership.list();
  const idle = membership.fromDiscovery(all());
  assert.deepEqual([idle.added.length, idle.removed.length, idle.skipped.length], [0, 0, 0]);
  assert.equal(membership.list(), list, 'the rotation was not rebuilt');

  membership.list().find((m) => m.key === 'u40')!.connectionsFor('');
  const restarted = all();
  restarted[40] = instance('u40', '10.0.0.40', 2);
  membership.fromDiscovery(restarted);
  assert.equal(made.find((m) => m.key === 'u40')!.fake.expired, 1, 'a new incarnation expires its connections');

  const moved = all();
  moved[41] = instance('u41', '10.9.9.9');
  moved[40] = restarted[40]!;
  const move = membership.fromDiscovery(moved);
  assert.deepEqual([move.added.map((m) => m.host), move.removed.map((m) => m.key)], [['10.9.9.9'], ['u41']]);

  const withoutOne = moved.filter((i) => i.uuid !== 'u7');
  const leave = membership.fromDiscovery(withoutOne);
  assert.deepEqual([leave.added.length, leave.removed.map((m) => m.key)], [0, ['u7']]);

  const offline = withoutOne.map((i) => (i.uuid === 'u8' ? instance('u8', '10.0.0.8', 1, 'Offline') : i));
  const off = membership.fromDiscovery(offline);
  assert.deepEqual([off.removed.map((m) => m.key), off.skipped.map((s) => s.name)], [['u8'], ['i-u8']]);

  const join = membership.fromDiscovery([...offline, instance('u100', '10.0.1.100')]);
  assert.deepEqual([join.added.map((m) => m.key), join.removed.length], [['u100'], 0]);
  assert.equal(membership.list().length, 99);
});

test('the same discovery result again changes nothing, but after a change it is applied in full', () => {
  const { membership } = setup();
  const a = instance('a', '10.0.0.1');
  const b = instance('b', '10.0.0.2');
  const both = [a, b];
  assert.equal(membership.fromDiscovery(both).added.length, 2);
  const again = membership.fromDiscovery([a, b]);
  assert.deepEqual([again.added.length, again.removed.length], [0, 0]);
  // b leaves, then the very same objects come back: the earlier answer must not be taken for this one.
  assert.deepEqual(membership.fromDiscovery([a]).removed.map((m) => m.key), ['b']);
  assert.deepEqual(membership.fromDiscovery(both).added.map((m) => m.key), ['b']);
  // Members changed another way in between (the seeds): the same result is not "nothing new".
  membership.fromSeeds([{ host: '10.0.0.9', port: 4327 }]);
  assert.deepEqual(membership.fromDiscovery(both).added.map((m) => m.key).sort(), ['a', 'b']);
  // A result with a skipped instance gives its reasons again each time.
  const offline = instance('c', '10.0.0.3', 1, 'Offline');
  assert.equal(membership.fromDiscovery([a, b, offline]).skipped.length, 1);
  assert.equal(membership.fromDiscovery([a, b, offline]).skipped.length, 1);
  assert.deepEqual(membership.list().map((m) => m.key).sort(), ['a', 'b']);
});
