import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffTopology, isTopologyChanged } from '../../src/topology/topology-diff.js';

const online = (incarnation = 1) => ({ variant: 'Online', incarnation });
const node = (uuid: string, addressText: string | undefined, state = online()) => ({ uuid, addressText, state });

test('added, removed, changed and unchanged, keyed by uuid', () => {
  const a = node('a', 'h1:1');
  const b = node('b', 'h2:1');
  const c = node('c', 'h3:1');
  const d = diffTopology([a, b, c], [node('a', 'h1:1'), node('c', 'h3:1', { variant: 'Offline', incarnation: 1 }), node('x', 'h4:1')]);
  assert.deepEqual(d.added.map((i) => i.uuid), ['x']);
  assert.deepEqual(d.removed, [b]);
  assert.deepEqual(d.unchanged.map((i) => i.uuid), ['a']);
  assert.equal(d.changed.length, 1);
  assert.equal(d.changed[0].before, c);
  assert.deepEqual(d.changed[0].reasons, ['state']);
  assert.equal(isTopologyChanged(d), true);
});

test('an address change is a change of the same instance, not a removal plus an addition', () => {
  const d = diffTopology([node('a', 'h1:1')], [node('a', 'h9:1')]);
  assert.deepEqual(d.added, []);
  assert.deepEqual(d.removed, []);
  assert.deepEqual(d.changed[0].reasons, ['address']);
});

test('two instances at one address stay two instances', () => {
  const d = diffTopology([node('a', 'lb:1')], [node('a', 'lb:1'), node('b', 'lb:1')]);
  assert.deepEqual(d.added.map((i) => i.uuid), ['b']);
  assert.deepEqual(d.unchanged.map((i) => i.uuid), ['a']);
});

test('a new incarnation (a restart between rounds) is a state change', () => {
  const d = diffTopology([node('a', 'h:1', online(1))], [node('a', 'h:1', online(2))]);
  assert.deepEqual(d.changed[0].reasons, ['state']);
});

test('state and address together; undefined addresses compare equal', () => {
  const d = diffTopology([node('a', 'h:1'), node('b', undefined)], [node('a', 'h:2', online(3)), node('b', undefined)]);
  assert.deepEqual(d.changed[0].reasons, ['state', 'address']);
  assert.deepEqual(d.unchanged.map((i) => i.uuid), ['b']);
});

test('no change; duplicates count once (first wins); empty lists', () => {
  const d = diffTopology([node('a', 'h:1'), node('a', 'other:1')], [node('a', 'h:1'), node('a', 'z:1')]);
  assert.equal(isTopologyChanged(d), false);
  assert.equal(d.unchanged.length, 1);
  const e = diffTopology([], []);
  assert.deepEqual(e, { added: [], removed: [], changed: [], unchanged: [] });
});
