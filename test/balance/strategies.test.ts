import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import type { BalanceContext, InstanceInfo } from '../../src/balance/instance-info.js';
import { leastBusy, nodeStrategyOption, random, roundRobin } from '../../src/balance/strategies.js';

function info(uuid: string, extra: Partial<InstanceInfo> = {}): InstanceInfo {
  return {
    uuid, name: `n-${uuid}`, address: `${uuid}:4327`, tier: 'default', replicasetName: 'r1', failureDomain: {},
    state: { variant: 'Online', incarnation: 1 }, inFlight: 0, idle: 1, total: 1, maxConnections: 100, oldestRunningMs: 0, latencyMs: undefined, ...extra,
  };
}
const ctx = (exclude: string[] = [], attempt = 1): BalanceContext => ({ attempt, exclude: new Set(exclude) });
/** A scripted source of randomness. */
const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((u) => info(u));

describe('roundRobin', () => {
  test('visits each candidate in turn', () => {
    const s = roundRobin({ start: 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => s([a, b, c], ctx()).uuid), ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('never indexes out of range when the list shrinks or grows (picodata-go random strategy bug)', () => {
    const s = roundRobin({ start: 0 });
    s([a, b, c, d], ctx());
    s([a, b, c, d], ctx());
    s([a, b, c, d], ctx()); // cursor now at 3
    assert.equal(s([a, b], ctx()).uuid, 'b', '3 mod 2');
    assert.equal(s([a], ctx()).uuid, 'a');
    assert.equal(s([a, b, c, d], ctx()).uuid, 'b');
    for (let n = 1; n <= 5; n++) {
      const list = [a, b, c, d, info('e')].slice(0, 6 - n);
      for (let k = 0; k < 7; k++) assert.ok(list.includes(s(list, ctx())));
    }
  });

  test('starts at a random position by default, so processes do not all begin on the first instance', () => {
    assert.equal(roundRobin({ random: () => 0.5 })([a, b, c, d], ctx()).uuid, ['a', 'b', 'c', 'd'][(2 ** 30) % 4]);
    const starts = new Set(Array.from({ length: 50 }, () => roundRobin()([a, b, c, d], ctx()).uuid));
    assert.ok(starts.size > 1);
  });

  test('skips excluded instances while another is left; uses them when none is', () => {
    const s = roundRobin({ start: 0 });
    assert.deepEqual([1, 2, 3].map(() => s([a, b, c], ctx(['b'])).uuid), ['a', 'c', 'a']);
    assert.deepEqual([1, 2].map(() => s([a, b], ctx(['a', 'b'])).uuid).sort(), ['a', 'b']);
  });

  test('rejects a bad start', () => {
    assert.throws(() => roundRobin({ start: -1 }), ConfigError);
    assert.throws(() => roundRobin({ start: 1.5 }), ConfigError);
  });

  test('an empty list is a caller bug, reported clearly', () => {
    assert.throws(() => roundRobin({ start: 0 })([], ctx()), /no candidates/);
  });
});

describe('random', () => {
  test('uniform pick, in range even if random() misbehaves', () => {
    assert.equal(random({ random: () => 0 })([a, b, c], ctx()).uuid, 'a');
    assert.equal(random({ random: () => 0.999 })([a, b, c], ctx()).uuid, 'c');
    assert.equal(random({ random: () => 1 })([a, b, c], ctx()).uuid, 'c');
    assert.equal(random({ random: () => Number.NaN })([a, b, c], ctx()).uuid, 'a');
    assert.equal(random({ random: () => -3 })([a, b, c], ctx()).uuid, 'a');
  });

  test('avoids excluded instances', () => {
    const s = random();
    for (let i = 0; i < 50; i++) assert.equal(s([a, b, c], ctx(['a', 'c'])).uuid, 'b');
  });

  test('covers every candidate', () => {
    const s = random();
    const seen = new Set(Array.from({ length: 200 }, () => s([a, b, c], ctx()).uuid));
    assert.equal(seen.size, 3);
  });
});

describe('leastBusy (power of two choices)', () => {
  test('of the two sampled, the one with the lower share of connections in use wins', () => {
    const busy = info('busy', { inFlight: 4, total: 4 });
    const calm = info('calm', { inFlight: 1, total: 4 });
    const s = leastBusy({ random: seq(0, 0) }); // i = 0, j = 0 -> 1 (distinct)
    assert.equal(s([busy, calm], ctx()).uuid, 'calm');
    assert.equal(leastBusy({ random: seq(0, 0) })([calm, busy], ctx()).uuid, 'calm');
  });

  test('a node with no connections yet counts as idle unless queries wait on it', () => {
    const fresh = info('fresh', { inFlight: 0, total: 0 });
    const used = info('used', { inFlight: 1, total: 10 });
    assert.equal(leastBusy({ random: seq(0, 0) })([used, fresh], ctx()).uuid, 'fresh');
    const waiting = info('waiting', { inFlight: 3, total: 0 });
    assert.equal(leastBusy({ random: seq(0, 0) })([waiting, used], ctx()).uuid, 'used');
  });

  test('ties go to the lower latency; an unmeasured node counts as fastest', () => {
    const slow = info('slow', { latencyMs: 30 });
    const fast = info('fast', { latencyMs: 3 });
    const unmeasured = info('new', { latencyMs: undefined });
    assert.equal(leastBusy({ random: seq(0, 0) })([slow, fast], ctx()).uuid, 'fast');
    assert.equal(leastBusy({ random: seq(0, 0) })([fast, unmeasured], ctx()).uuid, 'new');
  });

  test('always two distinct candidates, in range', () => {
    const list = [a, b, c, d];
    for (const r of [0, 0.25, 0.5, 0.75, 0.9999, 1]) {
      const picked = leastBusy({ random: () => r })(list, ctx());
      assert.ok(list.includes(picked));
    }
    assert.equal(leastBusy()([a], ctx()).uuid, 'a');
  });

  test('steers most traffic away from a saturated node', () => {
    const hot = info('hot', { inFlight: 10, total: 10 });
    const s = leastBusy();
    let hotPicks = 0;
    for (let i = 0; i < 300; i++) if (s([hot, a, b], ctx()).uuid === 'hot') hotPicks++;
    assert.equal(hotPicks, 0, 'the hot node loses every comparison');
  });

  test('avoids excluded instances', () => {
    const s = leastBusy();
    for (let i = 0; i < 30; i++) assert.notEqual(s([a, b, c], ctx(['a'])).uuid, 'a');
  });
});

describe('nodeStrategyOption', () => {
  test('names, functions and the default', () => {
    assert.equal(nodeStrategyOption('balanceStrategy', 'random', { random: () => 0 })([a, b], ctx()).uuid, 'a');
    assert.equal(nodeStrategyOption('balanceStrategy', 'least-busy')([a], ctx()).uuid, 'a');
    const mine = () => b;
    assert.equal(nodeStrategyOption('balanceStrategy', mine), mine);
    const def = nodeStrategyOption('balanceStrategy', undefined, { random: () => 0 });
    assert.deepEqual([def([a, b], ctx()).uuid, def([a, b], ctx()).uuid], ['a', 'b'], 'round-robin');
  });

  test('rejects anything else, naming the option and the choices', () => {
    for (const v of ['roundrobin', 'toString', 3, null, {}]) {
      assert.throws(() => nodeStrategyOption('balanceStrategy', v), (e: unknown) =>
        e instanceof ConfigError && e.option === 'balanceStrategy' && /'round-robin', 'random', 'least-busy'/.test(e.message));
    }
  });
});

describe('no head-of-line waits: the built-ins skip instances whose every connection is busy while others have room', () => {
  const busy = info('busy', { inFlight: 1, maxConnections: 1 });
  const free1 = info('free1', { inFlight: 0, maxConnections: 1 });
  const free2 = info('free2', { inFlight: 0, maxConnections: 1 });
  for (const [name, make] of [['roundRobin', () => roundRobin({ start: 0 })], ['random', () => random()], ['leastBusy', () => leastBusy()]] as const) {
    test(`${name} never picks the busy one while another is free`, () => {
      const pick = make();
      for (let i = 0; i < 60; i++) assert.notEqual(pick([busy, free1, free2], ctx()).uuid, 'busy');
    });
  }
  test('when every instance is busy, the one stuck behind a long statement is avoided', () => {
    const pick = roundRobin({ start: 0 });
    const stuck = info('stuck', { inFlight: 1, maxConnections: 1, oldestRunningMs: 1_500, latencyMs: 2 });
    const flowing = [info('f1', { inFlight: 3, maxConnections: 1, oldestRunningMs: 1, latencyMs: 2 }), info('f2', { inFlight: 2, maxConnections: 1, oldestRunningMs: 3, latencyMs: 2 })];
    for (let i = 0; i < 30; i++) assert.notEqual(pick([stuck, ...flowing], ctx()).uuid, 'stuck');
  });
  test('on a loaded machine (a swollen latency average), the instance far behind the others is still avoided', () => {
    const pick = roundRobin({ start: 0 });
    // 60 ms is under 4× a 100 ms average, but the others' oldest statements started in this very tick.
    const behind = info('behind', { inFlight: 1, maxConnections: 1, oldestRunningMs: 60, latencyMs: 100 });
    const fresh = [info('f1', { inFlight: 4, maxConnections: 1, oldestRunningMs: 0, latencyMs: 100 }), info('f2', { inFlight: 4, maxConnections: 1, oldestRunningMs: 2, latencyMs: 100 })];
    for (let i = 0; i < 30; i++) assert.notEqual(pick([behind, ...fresh], ctx()).uuid, 'behind');
  });
  test('busy instances whose oldest statements are of a like age are all candidates', () => {
    const pick = roundRobin({ start: 0 });
    const all = [info('x', { inFlight: 3, maxConnections: 1, oldestRunningMs: 30, latencyMs: 100 }), info('y', { inFlight: 3, maxConnections: 1, oldestRunningMs: 12, latencyMs: 100 })];
    assert.deepEqual(new Set(Array.from({ length: 4 }, () => pick(all, ctx()).uuid)), new Set(['x', 'y']));
  });
  test('when every instance is busy (under load), all are candidates again', () => {
    const pick = roundRobin({ start: 0 });
    const all = [info('x', { inFlight: 5, maxConnections: 1 }), info('y', { inFlight: 2, maxConnections: 1 })];
    assert.deepEqual(new Set(Array.from({ length: 4 }, () => pick(all, ctx()).uuid)), new Set(['x', 'y']));
  });
});

test('an instance whose age crosses the stuck line while a strategy looks never makes it return nothing', () => {
  // oldestRunningMs grows between reads, as a live member's does: the strategy must decide on one reading.
  let reads = 0;
  const ageing = { ...info('ageing', { inFlight: 1, maxConnections: 1, latencyMs: 1 }) };
  Object.defineProperty(ageing, 'oldestRunningMs', { get: () => (reads++ === 0 ? 5 : 500) });
  const other = info('other', { inFlight: 2, maxConnections: 1, oldestRunningMs: 500, latencyMs: 1 });
  for (const make of [() => roundRobin({ start: 1 }), () => random({ random: () => 0 }), () => leastBusy({ random: () => 0 })]) {
    reads = 0;
    const picked = make()([other, ageing], ctx());
    assert.ok(picked === other || picked === ageing, 'one of its candidates');
  }
});
