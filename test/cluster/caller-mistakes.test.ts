/** A caller's mistake fails that call only: no retry, no quarantine, no effect on anyone else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, PicotsError, ServerError } from '../../src/index.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

test('a statement with the wrong number of parameters fails alone while 200 good reads succeed; nothing is quarantined', { timeout: 30_000 }, async () => {
  const client = new Client({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), poolSize: 6 });
  const quarantined: string[] = [];
  const retried: string[] = [];
  client.on('instanceQuarantined', (i) => quarantined.push(i.address));
  client.on('retry', (e) => retried.push(e.reason));
  try {
    await client.connect();
    const bad = client.fetch('SELECT $1::int AS v', []);
    const good = Array.from({ length: 200 }, (_, i) => client.fetchval<number>('SELECT $1::int8 + 1', [i]));
    await assert.rejects(bad, (e: unknown) => e instanceof PicotsError && (!(e instanceof ServerError) || e.code === '08P01'));
    assert.deepEqual(await Promise.all(good), Array.from({ length: 200 }, (_, i) => i + 1));
    assert.deepEqual(quarantined, []);
    assert.deepEqual(retried, [], 'the bad statement was not retried on other instances');
    assert.equal(client.instances().filter((i) => i.quarantined).length, 0);
    // And again, now that the statement may be cached: still a typed error, still nothing quarantined.
    await assert.rejects(client.fetch('SELECT $1::int AS v', []), PicotsError);
    assert.deepEqual(quarantined, []);
  } finally {
    await client.close();
  }
});
