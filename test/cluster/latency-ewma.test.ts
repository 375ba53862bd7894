import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { LatencyEwma } from '../../src/cluster/latency-ewma.js';

test('undefined before the first sample; the first sample is taken as is', () => {
  const e = new LatencyEwma();
  assert.equal(e.value, undefined);
  assert.equal(e.record(10), 10);
  assert.equal(e.value, 10);
});

test('moves by alpha toward each sample', () => {
  const e = new LatencyEwma(0.5);
  e.record(10);
  assert.equal(e.record(20), 15);
  assert.equal(e.record(15), 15);
  const one = new LatencyEwma(1);
  one.record(5);
  assert.equal(one.record(50), 50);
});

test('ignores negative and non-finite samples; reset forgets', () => {
  const e = new LatencyEwma();
  e.record(8);
  for (const bad of [-1, Number.NaN, Infinity]) assert.equal(e.record(bad), 8);
  e.reset();
  assert.equal(e.value, undefined);
});

test('a spike fades after a handful of samples with the default alpha', () => {
  const e = new LatencyEwma();
  e.record(1);
  e.record(1000);
  for (let i = 0; i < 10; i++) e.record(1);
  assert.ok((e.value ?? 0) < 30, String(e.value));
});

test('rejects an alpha outside (0, 1]', () => {
  for (const a of [0, -0.1, 1.5, Number.NaN]) assert.throws(() => new LatencyEwma(a), ConfigError);
});
