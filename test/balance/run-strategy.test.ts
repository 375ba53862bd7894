import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceInfo } from '../../src/balance/instance-info.js';
import {
  runConnectionStrategy, runNodeStrategy, runStrategy, StrategyError, validateStrategyResult,
} from '../../src/balance/run-strategy.js';

const conns = [{ id: 1 }, { id: 2 }, { id: 3 }];
const info = (uuid: string): InstanceInfo => ({
  uuid, name: uuid, address: `${uuid}:1`, tier: 't', replicasetName: 'r', failureDomain: {},
  state: { variant: 'Online', incarnation: 1 }, inFlight: 0, idle: 0, total: 0, maxConnections: 1, oldestRunningMs: 0, latencyMs: undefined,
});

test('validateStrategyResult accepts a candidate and explains everything else', () => {
  assert.equal(validateStrategyResult(conns, conns[1]), conns[1]);
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /returned undefined, which is not one of the 3 candidates/],
    [null, /returned null/],
    [1, /the number 1 \(return the candidate itself, not its index\)/],
    [{ id: 2 }, /returned an object, which is not one/],
    ['x', /returned a string/],
    [[conns[0]], /returned an array/],
    [Promise.resolve(conns[0]), /returned a Promise; it must return one of its candidates synchronously/],
  ];
  for (const [value, re] of cases) {
    assert.throws(() => validateStrategyResult(conns, value, { name: 'balance_strategy' }), (e: unknown) =>
      e instanceof StrategyError && e.code === 'ERR_PICOTS_STRATEGY' && re.test(e.message) && e.message.startsWith('balance_strategy'));
  }
});

test('runConnectionStrategy: a good pick passes through', () => {
  const r = runConnectionStrategy((list) => list[2], conns);
  assert.equal(r.picked, conns[2]);
  assert.equal(r.error, undefined);
});

test('runConnectionStrategy: a throwing or wrong strategy falls back to a real connection, with the error', () => {
  const boom = new Error('boom');
  const thrown = runConnectionStrategy(() => { throw boom; }, conns);
  assert.equal(thrown.picked, conns[0]);
  assert.ok(thrown.error instanceof StrategyError);
  assert.match(thrown.error.message, /balance strategy threw: boom/);
  assert.equal(thrown.error.cause, boom);

  const copy = runConnectionStrategy(() => ({ id: 1 }), conns);
  assert.equal(copy.picked, conns[0], 'a look-alike is not accepted: only a real pooled connection may be used');
  assert.ok(copy.error);

  const custom = runConnectionStrategy(() => undefined as never, conns, { fallback: (l) => l[l.length - 1] });
  assert.equal(custom.picked, conns[2]);
});

test('runNodeStrategy accepts a copy with a candidate uuid as that candidate', () => {
  const list = [info('a'), info('b')];
  const ctx = { attempt: 1, exclude: new Set<string>() };
  const r = runNodeStrategy((l) => ({ ...l[1] }), list, ctx);
  assert.equal(r.picked, list[1]);
  assert.equal(r.error, undefined);
  const stranger = runNodeStrategy(() => info('zz'), list, ctx);
  assert.equal(stranger.picked, list[0]);
  assert.match(stranger.error?.message ?? '', /an object with uuid zz that matches no candidate/);
});

test('runStrategy with no candidates throws (there is nothing to fall back on)', () => {
  assert.throws(() => runStrategy(() => 1, []), StrategyError);
});

test('a StrategyError thrown by the strategy itself is passed on unchanged', () => {
  const own = new StrategyError('mine');
  const r = runStrategy(() => { throw own; }, [1, 2]);
  assert.equal(r.error, own);
  assert.equal(r.picked, 1);
});
