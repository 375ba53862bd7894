import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceInfo } from '../../src/balance/instance-info.js';
import { checkLocality, matchesLocality, preferLocality } from '../../src/balance/locality.js';
import { ConfigError } from '../../src/errors.js';

function info(uuid: string, tier: string, failureDomain: Record<string, string>): InstanceInfo {
  return {
    uuid, name: uuid, address: `${uuid}:4327`, tier, replicasetName: 'r1', failureDomain, state: { variant: 'Online', incarnation: 1 },
    inFlight: 0, idle: 1, total: 1, maxConnections: 1, oldestRunningMs: 0, latencyMs: undefined,
  };
}

const a = info('a', 'hot', { zone: 'eu-1', rack: 'r1' });
const b = info('b', 'hot', { zone: 'eu-2' });
const c = info('c', 'cold', { zone: 'eu-1' });

test('an instance matches when every given field matches', () => {
  assert.equal(matchesLocality(a, { failureDomain: { zone: 'eu-1' } }), true);
  assert.equal(matchesLocality(a, { failureDomain: { zone: 'eu-1', rack: 'r2' } }), false);
  assert.equal(matchesLocality(b, { failureDomain: { zone: 'eu-1' } }), false);
  assert.equal(matchesLocality(c, { tier: 'hot', failureDomain: { zone: 'eu-1' } }), false);
  assert.equal(matchesLocality(a, { tier: 'hot' }), true);
  assert.equal(matchesLocality(a, {}), true);
});

test('the matching instances are preferred; with none matching, all of them', () => {
  assert.deepEqual(preferLocality([a, b, c], { failureDomain: { zone: 'eu-1' } }), [a, c]);
  assert.deepEqual(preferLocality([a, b, c], { tier: 'cold' }), [c]);
  assert.deepEqual(preferLocality([a, b, c], { failureDomain: { zone: 'us-1' } }), [a, b, c]);
  assert.deepEqual(preferLocality([b], undefined), [b]);
});

test('a bad preference is a ConfigError naming the field', () => {
  assert.throws(() => checkLocality('prefer', { zone: 'eu-1' }), (e: unknown) => e instanceof ConfigError && /zone/.test(e.message));
  for (const [bad, option] of [
    ['eu-1', 'prefer'], [{ tier: 3 }, 'prefer.tier'], [{ failureDomain: 'eu-1' }, 'prefer.failureDomain'],
    [{ failureDomain: { zone: 1 } }, 'prefer.failureDomain'],
  ] as const) {
    assert.throws(() => checkLocality('prefer', bad), (e: unknown) => e instanceof ConfigError && e.option === option, JSON.stringify(bad));
  }
  assert.deepEqual(checkLocality('prefer', { failureDomain: { zone: 'eu-1' } }), { failureDomain: { zone: 'eu-1' } });
});
