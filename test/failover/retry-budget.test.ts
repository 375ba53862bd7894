import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { RetryBudget } from '../../src/failover/retry-budget.js';

test('starts with a full bucket (the largest burst) and spends one token per retry', () => {
  const b = new RetryBudget({ minPerSecond: 3, maxTokens: 3 });
  assert.equal(b.tokens(0), 3);
  assert.deepEqual([1, 2, 3, 4].map(() => b.tryWithdraw(0)), [true, true, true, false]);
});

test('retries may add at most `ratio` on top of successes', () => {
  const b = new RetryBudget({ minPerSecond: 0, initialTokens: 0, ratio: 0.2 });
  for (let i = 0; i < 100; i++) b.recordSuccess(0);
  let retries = 0;
  while (b.tryWithdraw(0)) retries++;
  assert.equal(retries, 20);
});

test('the steady allowance refills with time, up to maxTokens', () => {
  const b = new RetryBudget({ minPerSecond: 10, initialTokens: 0, maxTokens: 15 });
  assert.equal(b.tryWithdraw(0), false);
  assert.equal(b.tryWithdraw(99), false);
  assert.equal(b.tryWithdraw(100), true); // 1 token after 100 ms
  assert.equal(b.tokens(60_000), 15);
});

test('an outage spends the bucket and retries stop (no retry storm)', () => {
  const b = new RetryBudget();
  let allowed = 0;
  for (let t = 0; t < 1000; t += 1) if (b.tryWithdraw(t)) allowed++;
  // The full bucket (100) + 10 per second for one second, then nothing more
  assert.ok(allowed >= 100 && allowed <= 111, String(allowed));
  let later = 0;
  for (let t = 1000; t < 2000; t += 1) if (b.tryWithdraw(t)) later++;
  assert.ok(later <= 11, `only the per-second allowance once the bucket is spent: ${later}`);
});

test('a clock that goes backwards adds nothing', () => {
  const b = new RetryBudget({ minPerSecond: 10, initialTokens: 0 });
  b.tokens(10_000);
  assert.equal(b.tokens(5_000), 0);
  assert.equal(Math.round(b.tokens(5_100) * 10) / 10, 1);
});

test('rejects bad options', () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['ratio', { ratio: -1 }],
    ['maxTokens', { maxTokens: 0 }],
    ['initialTokens', { initialTokens: 500 }],
    ['minPerSecond', { minPerSecond: Number.NaN }],
    ['ration', { ration: 1 }],
  ];
  for (const [option, opts] of bad) {
    assert.throws(() => new RetryBudget(opts as never), (e: unknown) => e instanceof ConfigError && e.option === option, option);
  }
});
