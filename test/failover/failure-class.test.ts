import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AbortError, AuthenticationError, ConfigError, ConnectionError, PoolClosedError, PoolSaturatedError, PoolTimeoutError,
  ProtocolError, ServerError, TimeoutError, TypeConversionError,
} from '../../src/errors.js';
import { classifyFailure, classifyServerError, type FailureClass } from '../../src/failover/failure-class.js';

const pick = (f: FailureClass) => [f.kind, f.retryable, f.uncertain, f.instanceFault];

test('connection-level failures: before or after the statement may have reached the server', () => {
  assert.deepEqual(pick(classifyFailure(new ConnectionError('ECONNREFUSED', { phase: 'connect', mayHaveReachedServer: false }))),
    ['not-sent', 'any-statement', false, true]);
  assert.deepEqual(pick(classifyFailure(new ConnectionError('ECONNRESET', { phase: 'sent', mayHaveReachedServer: true }))),
    ['connection-lost', 'reads-and-idempotent', true, true]);
  assert.deepEqual(pick(classifyFailure(new ProtocolError('unexpected message'))), ['protocol', 'reads-and-idempotent', true, true]);
});

test('timeouts: a hung handshake blames the instance; a query timeout does not', () => {
  assert.deepEqual(pick(classifyFailure(new TimeoutError('connect', { phase: 'connect', mayHaveReachedServer: false }))),
    ['connect-timeout', 'any-statement', false, true]);
  assert.deepEqual(pick(classifyFailure(new TimeoutError('queued', { phase: 'acquire', mayHaveReachedServer: false }))),
    ['connect-timeout', 'any-statement', false, false]);
  assert.deepEqual(pick(classifyFailure(new TimeoutError('query', { phase: 'result', mayHaveReachedServer: true }))),
    ['query-timeout', 'reads-and-idempotent', true, false]);
});

test('the caller aborting is never retried', () => {
  assert.deepEqual(pick(classifyFailure(new AbortError('aborted', { phase: 'sent', mayHaveReachedServer: true }))), ['aborted', 'never', true, false]);
  assert.deepEqual(pick(classifyFailure(new AbortError('aborted', { phase: 'acquire', mayHaveReachedServer: false }))), ['aborted', 'never', false, false]);
});

test('pool errors: nothing was sent, the instance is not to blame', () => {
  for (const e of [new PoolTimeoutError('t'), new PoolSaturatedError('s'), new PoolClosedError()]) {
    const f = classifyFailure(e);
    assert.equal(f.retryable, 'any-statement');
    assert.equal(f.uncertain, false);
    assert.equal(f.instanceFault, false);
  }
});

test('authentication: never, on any instance', () => {
  for (const e of [new AuthenticationError('28P01', "authentication failed for user 'u'"), new ServerError('28P01', 'x'), new ServerError('28000', 'TLS required')]) {
    const f = classifyFailure(e);
    assert.deepEqual(pick(f), ['auth', 'never', false, false]);
    assert.match(f.reason, /locks the user/);
  }
});

test('statements the server rejected for what they are', () => {
  const never: Array<[string, string]> = [
    ['0A000', 'feature not supported'],
    ['22P02', 'invalid input syntax for type integer'],
    ['22P03', 'invalid binary format'],
    ['42601', 'syntax error'],
    ['42P01', 'relation "t" does not exist'],
    ['XX000', 'rule parsing error: expected Expr'],
    ['XX000', 'sbroad: table with name "T" not found'],
    ['XX000', 'column with name "v" not found'],
    ['XX000', 'Duplicate key exists in unique index "pk" in space "t"'],
    ['XX000', "Read access to space 'friends_of_peppa' is denied for user 'bob'"],
    ['XX000', 'Exceeded maximum number of rows (5000) in virtual table: 5001'],
    ['XX000', 'Reached a limit on max executed vdbe opcodes. Limit: 45000'],
    ['XX000', 'expected 1 values for parameters, got 0'],
    ['XX000', 'something nobody has seen before'],
    ['P0001', 'raise'],
  ];
  for (const [code, message] of never) {
    const f = classifyServerError(code, message);
    assert.equal(f.retryable, 'never', `${code} ${message}`);
    assert.equal(f.instanceFault, false, `${code} ${message}`);
    assert.equal(f.uncertain, false, `${code} ${message}`);
  }
  assert.equal(classifyServerError('XX000', 'Exceeded maximum number of rows (5000) in virtual table: 5001').kind, 'limit');
});

test('routing errors inside the cluster: reads and idempotent statements only; uncertain (partial multi-shard writes)', () => {
  for (const message of [
    'There is no active replicas in replicaset r1',
    'Master of replicaset 8f0a is unreachable: connection refused',
    'Bucket 1234 cannot be found. Is rebalancing in progress?',
    'timed out',
    'vshard: timeout exceeded',
  ]) {
    assert.deepEqual(pick(classifyServerError('XX000', message)), ['server-transient', 'reads-and-idempotent', true, false], message);
  }
  // a deterministic pattern wins over a transient word in the same message
  assert.equal(classifyServerError('XX000', 'Duplicate key exists; timed out').retryable, 'never');
});

test('PostgreSQL codes the stand-in may send', () => {
  assert.deepEqual(pick(classifyServerError('57P03', 'the database system is starting up')), ['server-unavailable', 'any-statement', false, true]);
  assert.deepEqual(pick(classifyServerError('53300', 'too many clients')), ['server-unavailable', 'any-statement', false, true]);
  assert.deepEqual(pick(classifyServerError('57P01', 'terminating connection')), ['server-unavailable', 'reads-and-idempotent', true, true]);
  assert.deepEqual(pick(classifyServerError('08006', 'connection failure')), ['server-unavailable', 'reads-and-idempotent', true, true]);
  // A Bind with the wrong parameter count is the caller's mistake: no retry, no quarantine.
  assert.deepEqual(pick(classifyServerError('08P01', 'bind message supplies 0 parameters, but prepared statement "" requires 1')), ['rejected', 'never', false, false]);
  assert.deepEqual(pick(classifyServerError('58030', 'IO error')), ['server-transient', 'reads-and-idempotent', true, false]);
  for (const code of ['22P02', '22003', '42601', '42P01', '0A000']) assert.equal(classifyServerError(code, 'x').instanceFault, false, code);
  assert.deepEqual(pick(classifyServerError('40001', 'could not serialize')), ['rolled-back', 'any-statement', false, false]);
  assert.deepEqual(pick(classifyServerError('42999', 'prepared statement invalidated')), ['statement-invalidated', 'any-statement', false, false]);
});

test('client-side errors and unknown errors', () => {
  assert.deepEqual(pick(classifyFailure(new TypeConversionError('int8 too big'))), ['client', 'never', false, false]);
  assert.deepEqual(pick(classifyFailure(new ConfigError('x', 'bad'))), ['client', 'never', false, false]);
  assert.deepEqual(pick(classifyFailure(new TypeError('oops'))), ['unknown', 'never', true, false]);
  assert.deepEqual(pick(classifyFailure('a string')), ['unknown', 'never', true, false]);
});
