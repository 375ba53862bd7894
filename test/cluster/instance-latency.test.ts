import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceLatency, RECENT_SAMPLES } from '../../src/cluster/instance-latency.js';

test('no percentile and no average before the first sample', () => {
  const l = new InstanceLatency();
  assert.equal(l.value, undefined);
  assert.equal(l.percentile(0.5), undefined);
  assert.equal(l.percentile(0.99), undefined);
});

test('p50 and p99 by nearest rank over the samples; the average is the moving one', () => {
  const l = new InstanceLatency();
  for (let ms = 100; ms >= 1; ms--) l.record(ms);
  assert.equal(l.percentile(0.5), 50);
  assert.equal(l.percentile(0.99), 99);
  assert.equal(l.percentile(1), 100);
  assert.equal(l.percentile(0), 1);
  assert.ok(l.value !== undefined && l.value < 10, 'the average follows the latest (small) samples');
});

test('only the latest samples count: an old slow spell is forgotten', () => {
  const l = new InstanceLatency();
  for (let i = 0; i < RECENT_SAMPLES; i++) l.record(500);
  assert.equal(l.percentile(0.99), 500);
  for (let i = 0; i < RECENT_SAMPLES; i++) l.record(2);
  assert.equal(l.percentile(0.99), 2);
  l.record(30);
  assert.equal(l.percentile(1), 30, 'a new sample is seen at once, not a stale sorted copy');
});

test('negative and non-finite samples are ignored', () => {
  const l = new InstanceLatency();
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) l.record(bad);
  assert.equal(l.percentile(0.5), undefined);
  l.record(4);
  assert.equal(l.percentile(0.5), 4);
});
