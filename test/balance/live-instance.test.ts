import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceInfo } from '../../src/balance/instance-info.js';
import { OLDEST_RUNNING_SINCE, oldestRunningMs, type MaybeLiveInstance } from '../../src/balance/live-instance.js';

const info = (oldest: number): InstanceInfo => ({
  uuid: 'u', name: 'i', address: 'a:1', tier: 't', replicasetName: 'r', failureDomain: {}, inFlight: 1, total: 1, maxConnections: 1,
  oldestRunningMs: oldest, latencyMs: 1,
}) as unknown as InstanceInfo;

test('a snapshot gives its own oldestRunningMs; a live instance its age against the one clock reading', () => {
  assert.equal(oldestRunningMs(info(42), 1_000), 42);
  const live = (since: number): MaybeLiveInstance => ({ ...info(-1), [OLDEST_RUNNING_SINCE]: since });
  assert.equal(oldestRunningMs(live(900), 1_000), 100);
  assert.equal(oldestRunningMs(live(Infinity), 1_000), 0, 'nothing running');
  assert.equal(oldestRunningMs(live(1_001), 1_000), 0, 'never negative');
});
