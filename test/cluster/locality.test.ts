/** `prefer: { failureDomain }` keeps statements in a zone while it has a healthy instance, and fails over. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '../../src/index.js';
import { startCluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';

test('reads stay in the preferred zone while it has a healthy instance, and go elsewhere, without errors, when it has none', { timeout: 60_000 }, async () => {
  const cluster = await startCluster({ instances: 3 });
  try {
    await cluster.setFailureDomain('i1', { zone: 'eu-1' });
    await cluster.setFailureDomain('i2', { zone: 'eu-1' });
    await cluster.setFailureDomain('i3', { zone: 'eu-2' });
    const client = new Client({ dsn: cluster.dsn('scram', { instance: 'i1' }), poolSize: 6, connectTimeout: 5_000, prefer: { failureDomain: { zone: 'eu-2' } } });
    try {
      await client.connect();
      const name = new Map(cluster.instances.map((i) => [i.uuid, i.name]));
      const who = async (n: number, options?: object) =>
        Promise.all(Array.from({ length: n }, () => client.fetchval<string>('SELECT pico_instance_uuid()', [], options))).then((u) => u.map((x) => name.get(x!)));
      assert.deepEqual(new Set(await who(30)), new Set(['i3']), 'all in eu-2 while i3 is healthy');
      assert.deepEqual(new Set(await who(30, { prefer: { failureDomain: { zone: 'eu-1' } } })), new Set(['i1', 'i2']), 'a per-statement preference');
      assert.equal(client.instances().find((i) => i.name === 'i3')!.failureDomain.zone, 'eu-2');
      // 30 reads at once on a fresh client: a third were on i3 when it died, and all of them fail over.
      const inFlight = who(30);
      await cluster.kill('i3');
      const after = [...(await inFlight), ...(await who(30))];
      assert.ok(after.every((n) => n === 'i1' || n === 'i2'), `failed over to eu-1: ${after.join(',')}`);
      // A zone with one healthy instance left keeps every read: i2 dies, eu-1 reads all go to i1.
      const eu1 = { prefer: { failureDomain: { zone: 'eu-1' } } };
      const inFlightEu1 = who(30, eu1);
      await cluster.kill('i2');
      const onI1 = [...(await inFlightEu1), ...(await who(30, eu1))];
      assert.ok(onI1.slice(30).every((n) => n === 'i1'), `eu-1's last instance: ${onI1.join(',')}`);
      // i3 is back: once the pool has seen it recover, the default preference brings every read back to eu-2.
      await cluster.revive('i3');
      assert.ok(await eventually(async () => (await who(10)).every((n) => n === 'i3'), 15_000, 100), 'back in eu-2');
      assert.deepEqual(new Set(await who(30)), new Set(['i3']));
    } finally {
      await client.close({ drainTimeout: 500 });
    }
  } finally {
    await cluster.stop();
  }
});
