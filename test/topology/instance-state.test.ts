import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInstanceState, isOnline, parseInstanceState, sameInstanceState } from '../../src/topology/instance-state.js';

test('parses the json text pgproto sends, and the array a driver parsed from it', () => {
  assert.deepEqual(parseInstanceState('["Online",1]'), { variant: 'Online', incarnation: 1 });
  assert.deepEqual(parseInstanceState(' ["Offline", 0] '), { variant: 'Offline', incarnation: 0 });
  assert.deepEqual(parseInstanceState(['Expelled', 7]), { variant: 'Expelled', incarnation: 7 });
});

test('accepts the incarnation as bigint or digits (int8 modes)', () => {
  assert.deepEqual(parseInstanceState(['Online', 3n]), { variant: 'Online', incarnation: 3 });
  assert.deepEqual(parseInstanceState(['Online', '3']), { variant: 'Online', incarnation: 3 });
});

test('accepts the serde struct form of the 24.x Grade, as text or object', () => {
  assert.deepEqual(parseInstanceState('{"variant":"Replicated","incarnation":2}'), { variant: 'Replicated', incarnation: 2 });
  assert.deepEqual(parseInstanceState({ variant: 'Online', incarnation: 1 }), { variant: 'Online', incarnation: 1 });
});

test('accepts the display form and a bare variant', () => {
  assert.deepEqual(parseInstanceState('Online(12)'), { variant: 'Online', incarnation: 12 });
  assert.deepEqual(parseInstanceState('Offline'), { variant: 'Offline', incarnation: 0 });
  assert.deepEqual(parseInstanceState('"Online"'), { variant: 'Online', incarnation: 0 });
});

test('keeps an unknown but well-formed variant (a newer release), which is not Online', () => {
  const s = parseInstanceState('["Draining",4]');
  assert.deepEqual(s, { variant: 'Draining', incarnation: 4 });
  assert.equal(isOnline(s), false);
});

test('returns undefined for anything else, never throws', () => {
  const bad: unknown[] = [
    undefined, null, 1, true, '', '[', '["Online"]', '["Online",1,2]', '[1,"Online"]', '["Online",-1]', '["Online",1.5]',
    ['Online', Number.NaN], ['', 1], ['On line', 1], '{"variant":"Online"}', 'Online(x)', 'not a state', '{}', '[]',
    ['Online', 2n ** 64n], '"["Online",1]"', { variant: 1, incarnation: 1 }, 'Online)1(',
  ];
  for (const v of bad) assert.equal(parseInstanceState(v), undefined, `for ${String(v)}`);
});

test('isOnline, formatInstanceState, sameInstanceState', () => {
  assert.equal(isOnline({ variant: 'Online', incarnation: 1 }), true);
  assert.equal(isOnline({ variant: 'Offline', incarnation: 1 }), false);
  assert.equal(isOnline(undefined), false);
  assert.equal(formatInstanceState({ variant: 'Online', incarnation: 2 }), 'Online(2)');
  assert.equal(sameInstanceState({ variant: 'Online', incarnation: 1 }, { variant: 'Online', incarnation: 1 }), true);
  assert.equal(sameInstanceState({ variant: 'Online', incarnation: 1 }, { variant: 'Online', incarnation: 2 }), false);
  assert.equal(sameInstanceState(undefined, undefined), true);
  assert.equal(sameInstanceState(undefined, { variant: 'Online', incarnation: 1 }), false);
});
