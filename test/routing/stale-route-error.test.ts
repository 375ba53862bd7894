/** The errors that make picots read the bucket map again at once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionError, ServerError } from '../../src/errors.js';
import { isStaleRouteError } from '../../src/routing/stale-route-error.js';

test('Picodata\'s "the map moved" texts match, whatever the SQLSTATE', () => {
  for (const message of [
    'Bucket 1234 is transferring to replicaset d9c7e155-9434-4760-8a69-e62c42f22e4c',
    'Bucket 17 cannot be found. Is rebalancing in progress?',
    'Replica default_1_1 is not a master for replicaset ad033267-39ac-4ee4-822f-785d021db1cc anymore',
    'sbroad: invalid option: cannot satisfy "forward = off": buckets are not present on the current node, try using "forward = ro_to_rw" instead',
    'sbroad: invalid option: cannot satisfy "forward = off": buckets span multiple nodes and are not present on the current node, try using "forward = on" instead',
  ]) {
    assert.equal(isStaleRouteError(new ServerError('XX000', message)), true, message);
    assert.equal(isStaleRouteError(new Error(message)), true, message);
  }
});

test('other errors do not', () => {
  for (const e of [
    new ServerError('XX000', 'Duplicate key exists in unique index "pk"'),
    new ServerError('XX000', 'sbroad: invalid option: cannot satisfy "forward = ro_to_rw": buckets span multiple nodes, try using "forward = on" instead'),
    new ServerError('XX000', 'There is no active replicas in replicaset r1'),
    new ServerError('XX000', 'bucket_id column not found'),
    new ConnectionError('socket closed', { phase: 'result', mayHaveReachedServer: true }),
    'Bucket 1 cannot be found',
    undefined,
  ]) {
    assert.equal(isStaleRouteError(e), false, String(e));
  }
});
