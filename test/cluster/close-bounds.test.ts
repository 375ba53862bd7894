/** The bound given to close()/terminate() wins over the drains of instances that already left. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, type InstanceInfo } from '../../src/index.js';
import { startCluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';

/** Long statements go to i2, everything else anywhere. */
const sleepOnI2 = (c: readonly InstanceInfo[], ctx: { sql?: string }): InstanceInfo =>
  (ctx.sql?.includes('pg_sleep') ? c.find((x) => x.name === 'i2') : undefined) ?? c[0]!;

for (const how of ['close', 'terminate'] as const) {
  test(`${how}() returns promptly while an instance that went Offline still runs a long statement`, { timeout: 60_000 }, async () => {
    const cluster = await startCluster({ instances: 3 });
    try {
      const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 3, refreshInterval: 100, balanceStrategy: sleepOnI2 });
      const removed: string[] = [];
      client.on('instanceRemoved', (i) => removed.push(i.name ?? ''));
      await client.connect();
      const long = client.fetch('SELECT pg_sleep(20)').then(() => 'finished', (e: unknown) => e);
      await cluster.setState('i2', 'Offline');
      assert.ok(await eventually(() => removed.includes('i2'), 5_000), 'i2 left the rotation and drains');
      const t0 = performance.now();
      await (how === 'close' ? client.close({ drainTimeout: 500 }) : client.terminate());
      const took = performance.now() - t0;
      // The drain of a departed instance is 30 s by default and the statement sleeps 20 s: either would show.
      assert.ok(took < 10_000, `${how}() took ${Math.round(took)} ms`);
      assert.ok((await long) instanceof Error, 'the long statement was cut');
    } finally {
      await cluster.stop();
    }
  });
}
