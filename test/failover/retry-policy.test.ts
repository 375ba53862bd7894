import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthenticationError, ConnectionError, PoolTimeoutError, ServerError, TimeoutError } from '../../src/errors.js';
import { decideRetry, type RetryInput } from '../../src/failover/retry-policy.js';

const refused = new ConnectionError('connect ECONNREFUSED 10.0.0.1:4327', { phase: 'connect', mayHaveReachedServer: false });
const lost = new ConnectionError('read ECONNRESET', { phase: 'sent', mayHaveReachedServer: true });
const routing = new ServerError('XX000', 'There is no active replicas in replicaset r1');
const base = (error: unknown, extra: Partial<RetryInput> = {}): RetryInput => ({ error, attempt: 1, ...extra });
const brief = (d: ReturnType<typeof decideRetry>) => [d.retry, d.quarantineInstance, d.outcomeUnknown];

test('nothing reached the server: retry anything, quarantine the instance', () => {
  const d = decideRetry(base(refused));
  assert.deepEqual(brief(d), [true, true, false]);
  assert.match(d.reason, /before the statement was sent.*it never ran, so retrying \(attempt 2 of 3\)/);
});

test('may have reached the server: a write is not retried and its outcome is unknown', () => {
  const d = decideRetry(base(lost));
  assert.deepEqual(brief(d), [false, true, true]);
  assert.match(d.reason, /neither read-only nor marked idempotent/);
});

test('may have reached the server: reads and idempotent statements are retried', () => {
  assert.deepEqual(brief(decideRetry(base(lost, { readOnly: true }))), [true, true, false]);
  const idem = decideRetry(base(lost, { idempotent: true }));
  assert.deepEqual(brief(idem), [true, true, true], 'the failed attempt may still have applied the write');
  assert.match(idem.reason, /marked idempotent/);
});

test('authentication failures are never retried, anywhere, and do not quarantine', () => {
  const d = decideRetry(base(new AuthenticationError('28P01', "authentication failed for user 'u'"), { readOnly: true, idempotent: true }));
  assert.deepEqual(brief(d), [false, false, false]);
  assert.equal(d.kind, 'auth');
});

test('server SQL errors never quarantine; rejected statements are never retried', () => {
  for (const e of [new ServerError('0A000', 'no'), new ServerError('22P02', 'bad'), new ServerError('42601', 'syntax'),
    new ServerError('XX000', 'Duplicate key exists in unique index "pk"'), new ServerError('XX000', "Write access to space 't' is denied for user 'u'")]) {
    assert.deepEqual(brief(decideRetry(base(e, { readOnly: true, idempotent: true }))), [false, false, false], e.message);
  }
});

test('routing errors: reads retried; writes not, with outcome unknown', () => {
  assert.deepEqual(brief(decideRetry(base(routing, { readOnly: true }))), [true, false, false]);
  assert.deepEqual(brief(decideRetry(base(routing))), [false, false, true]);
  assert.deepEqual(brief(decideRetry(base(routing, { idempotent: true }))), [true, false, true]);
});

test('attempts, deadline and budget bound every retry', () => {
  assert.equal(decideRetry(base(refused, { attempt: 3 })).retry, false);
  assert.match(decideRetry(base(refused, { attempt: 3 })).reason, /3 of 3 attempts/);
  assert.equal(decideRetry(base(refused, { attempt: 4, maxAttempts: 5 })).retry, true);
  assert.equal(decideRetry(base(refused, { remainingMs: 0 })).retry, false);
  assert.match(decideRetry(base(refused, { remainingMs: 0 })).reason, /deadline/);
  assert.equal(decideRetry(base(refused, { remainingMs: 50, minAttemptMs: 100 })).retry, false);
  assert.equal(decideRetry(base(refused, { remainingMs: 500 })).retry, true);
  const spent = decideRetry(base(refused, { takeRetryToken: () => false }));
  assert.deepEqual(brief(spent), [false, true, false]);
  assert.match(spent.reason, /retry budget is spent/);
});

test('a budget token is taken only for a retry that happens', () => {
  let taken = 0;
  const take = () => { taken++; return true; };
  decideRetry(base(lost, { takeRetryToken: take }));                     // write, not retried
  decideRetry(base(refused, { attempt: 3, takeRetryToken: take }));      // out of attempts
  decideRetry(base(new ServerError('42601', 'syntax'), { takeRetryToken: take }));
  assert.equal(taken, 0);
  decideRetry(base(refused, { takeRetryToken: take }));
  assert.equal(taken, 1);
});

test('pool timeouts move to another instance without blaming this one; query timeouts do not repeat writes', () => {
  assert.deepEqual(brief(decideRetry(base(new PoolTimeoutError('acquire timed out')))), [true, false, false]);
  const qt = new TimeoutError('query timed out', { phase: 'result', mayHaveReachedServer: true });
  assert.deepEqual(brief(decideRetry(base(qt))), [false, false, true]);
  assert.deepEqual(brief(decideRetry(base(qt, { readOnly: true, remainingMs: 1000 }))), [true, false, false]);
});
