import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { RefreshSchedule } from '../../src/topology/refresh-schedule.js';

const mid = () => 0.5; // jitter factor exactly 1

test('defaults: 5 s base, 1250 ms fast, 15 s settle, 10% jitter', () => {
  const s = new RefreshSchedule();
  assert.equal(s.refreshInterval, 5000);
  assert.equal(s.fastRefreshInterval, 1250);
  assert.equal(s.settleTime, 15000);
  assert.equal(s.jitter, 0.1);
});

test('stable: the base interval', () => {
  const s = new RefreshSchedule({ random: mid });
  assert.equal(s.next(0, 'unchanged'), 5000);
  assert.equal(s.next(5000, 'unchanged'), 5000);
});

test('fast for settleTime after a change, then back to base', () => {
  const s = new RefreshSchedule({ random: mid });
  assert.equal(s.next(1000, 'changed'), 1250);
  assert.equal(s.next(2250, 'unchanged'), 1250);
  assert.equal(s.next(15999, 'unchanged'), 1250);
  assert.equal(s.next(16000, 'unchanged'), 5000);
  // a new change restarts the fast window
  assert.equal(s.next(21000, 'changed'), 1250);
  assert.equal(s.next(22000, 'unchanged'), 1250);
});

test('errors: fast, doubling with each error in a row up to the base; then fast while settling', () => {
  const s = new RefreshSchedule({ random: mid });
  assert.deepEqual([1, 2, 3, 4, 5].map((t) => s.next(t, 'error')), [1250, 2500, 5000, 5000, 5000]);
  assert.equal(s.next(10, 'unchanged'), 1250);
  assert.equal(s.next(20, 'error'), 1250, 'a success reset the error streak');
});

test('jitter stays within ±jitter', () => {
  assert.equal(new RefreshSchedule({ random: () => 0 }).next(0, 'unchanged'), 4500);
  assert.equal(new RefreshSchedule({ random: () => 0.999999 }).next(0, 'unchanged'), 5500);
  assert.equal(new RefreshSchedule({ random: () => 0, jitter: 0 }).next(0, 'unchanged'), 5000);
  const s = new RefreshSchedule();
  for (let i = 0; i < 200; i++) {
    const d = s.next(i, 'unchanged');
    assert.ok(d >= 4500 && d <= 5500, String(d));
  }
});

test('fast interval: a quarter of the base, at least 250 ms, never above the base', () => {
  assert.equal(new RefreshSchedule({ refreshInterval: 600 }).fastRefreshInterval, 250);
  assert.equal(new RefreshSchedule({ refreshInterval: 100 }).fastRefreshInterval, 100);
  assert.equal(new RefreshSchedule({ refreshInterval: 60000 }).fastRefreshInterval, 15000);
});

test('reset forgets changes and errors', () => {
  const s = new RefreshSchedule({ random: mid });
  s.next(0, 'changed');
  s.reset();
  assert.equal(s.next(1, 'unchanged'), 5000);
});

test('rejects bad options, naming them', () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['refreshInterval', { refreshInterval: 0 }],
    ['refreshInterval', { refreshInterval: -5 }],
    ['fastRefreshInterval', { refreshInterval: 1000, fastRefreshInterval: 2000 }],
    ['settleTime', { settleTime: Number.NaN }],
    ['jitter', { jitter: 0.9 }],
    ['refreshIntervall', { refreshIntervall: 5 }],
  ];
  for (const [option, opts] of bad) {
    assert.throws(() => new RefreshSchedule(opts as never), (e: unknown) => e instanceof ConfigError && e.option === option, option);
  }
});
