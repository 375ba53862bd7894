import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pool } from '../../src/cluster/pool.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

test('instances() reports p50 and p99 latency once an instance has answered, and none before', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), maxSize: 2 });
  try {
    await pool.connect();
    const before = pool.instances()[0]!;
    assert.equal(before.latencyP50Ms, undefined);
    assert.equal(before.latencyP99Ms, undefined);
    for (let i = 0; i < 20; i++) await pool.fetchval('SELECT $1::int8', [i]);
    const after = pool.instances()[0]!;
    assert.equal(after.served, 20);
    assert.ok(after.latencyP50Ms !== undefined && after.latencyP50Ms >= 0, `p50 ${after.latencyP50Ms}`);
    assert.ok(after.latencyP99Ms !== undefined && after.latencyP99Ms >= after.latencyP50Ms, `p99 ${after.latencyP99Ms} >= p50`);
  } finally {
    await pool.close();
  }
});
