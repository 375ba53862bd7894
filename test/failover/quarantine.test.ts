import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { Quarantine } from '../../src/failover/quarantine.js';

const mid = () => 0.5; // no jitter with the ±j form

test('healthy until a failure', () => {
  const q = new Quarantine({ random: mid });
  assert.equal(q.isQuarantined(0), false);
  assert.equal(q.readyForProbe(0), false);
  assert.equal(q.state(0), 'healthy');
  assert.equal(q.until, -Infinity);
});

test('exponential backoff: 500, 1000, 2000 ... capped at 30 s', () => {
  const q = new Quarantine({ random: mid });
  const delays = Array.from({ length: 10 }, () => q.recordFailure(0));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  assert.equal(q.failures, 10);
});

test('quarantined until a success; one probe at a time once the backoff has passed', () => {
  const q = new Quarantine({ random: mid });
  q.recordFailure(1000); // until 1500
  assert.equal(q.isQuarantined(1200), true);
  assert.equal(q.state(1200), 'quarantined');
  assert.equal(q.readyForProbe(1499), false);
  assert.equal(q.readyForProbe(1500), true);
  assert.equal(q.state(1500), 'probe-due');
  assert.equal(q.tryStartProbe(1500), true);
  assert.equal(q.tryStartProbe(1501), false, 'only one prober');
  assert.equal(q.state(1501), 'probing');
  assert.equal(q.isQuarantined(1600), true, 'still out while the probe runs');
  q.recordSuccess();
  assert.equal(q.isQuarantined(1600), false);
  assert.equal(q.failures, 0);
  assert.equal(q.state(1600), 'healthy');
});

test('a failed probe starts a longer quarantine', () => {
  const q = new Quarantine({ random: mid });
  q.recordFailure(0);
  assert.equal(q.tryStartProbe(500), true);
  assert.equal(q.recordFailure(510), 1000);
  assert.equal(q.until, 1510);
  assert.equal(q.readyForProbe(1509), false);
  assert.equal(q.tryStartProbe(1510), true);
});

test('a probe that never reports frees the slot after probeTimeout', () => {
  const q = new Quarantine({ random: mid, probeTimeout: 2000 });
  q.recordFailure(0);
  assert.equal(q.tryStartProbe(500), true);
  assert.equal(q.tryStartProbe(2499), false);
  assert.equal(q.tryStartProbe(2500), true);
});

test('jitter: ±20% by default, clamped to the cap; full jitter in [0, backoff]', () => {
  assert.equal(new Quarantine({ random: () => 0 }).recordFailure(0), 400);
  assert.equal(new Quarantine({ random: () => 0.999999 }).recordFailure(0), 600);
  const capped = new Quarantine({ random: () => 0.999999, maxDelay: 1000 });
  capped.recordFailure(0);
  assert.equal(capped.recordFailure(0), 1000);
  assert.equal(new Quarantine({ jitter: 'full', random: () => 0 }).recordFailure(0), 0);
  assert.equal(new Quarantine({ jitter: 'full', random: () => 0.5 }).recordFailure(0), 250);
  const spread = new Set(Array.from({ length: 50 }, () => new Quarantine().recordFailure(0)));
  assert.ok(spread.size > 5);
  for (const d of spread) assert.ok(d >= 400 && d <= 600, String(d));
});

test('custom base, factor and cap', () => {
  const q = new Quarantine({ baseDelay: 100, factor: 3, maxDelay: 1000, jitter: 0 });
  assert.deepEqual([1, 2, 3, 4].map(() => q.recordFailure(0)), [100, 300, 900, 1000]);
});

test('rejects bad options', () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['maxDelay', { baseDelay: 1000, maxDelay: 10 }],
    ['factor', { factor: 0.5 }],
    ['jitter', { jitter: 2 }],
    ['jitter', { jitter: 'half' }],
    ['baseDelay', { baseDelay: -1 }],
    ['basedelay', { basedelay: 1 }],
  ];
  for (const [option, opts] of bad) {
    assert.throws(() => new Quarantine(opts as never), (e: unknown) => e instanceof ConfigError && e.option === option, option);
  }
});
