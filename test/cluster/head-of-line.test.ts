/** One slow statement does not stall fast, unrelated ones while another instance is free. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, leastBusy } from '../../src/index.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

for (const strategy of ['round-robin', 'least-busy'] as const) {
  test(`a 2 s statement on one instance holds up none of 30 concurrent fast ones (poolSize 3, ${strategy})`, { timeout: 30_000 }, async () => {
    const client = new Client({
      dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }),
      poolSize: 3,
      balanceStrategy: strategy === 'least-busy' ? leastBusy() : strategy,
    });
    try {
      await client.connect();
      let slowDone = false;
      const slow = client.fetch('SELECT pg_sleep(2)').then(() => (slowDone = true));
      await new Promise((r) => setTimeout(r, 50));
      const latencies: number[] = [];
      let afterSlow = 0;
      await Promise.all(Array.from({ length: 30 }, async () => {
        const t0 = performance.now();
        assert.equal(await client.fetchval('SELECT 1'), 1);
        latencies.push(performance.now() - t0);
        if (slowDone) afterSlow++;
      }));
      latencies.sort((x, y) => x - y);
      const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1]!;
      // The slow statement takes 2 s: a fast one queued behind it would finish only after it.
      assert.equal(afterSlow, 0, `${afterSlow} fast statements waited for the slow one (p99 ${Math.round(p99)} ms)`);
      await slow;
    } finally {
      await client.close();
    }
  });
}
