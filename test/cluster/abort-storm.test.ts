/**
 * Aborts and deadlines are the caller's: they fail the aborted calls only. A statement pipelined behind an
 * aborted one loses its session (Picodata cannot cancel), and is run again on another connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortError, Client, PoolTimeoutError, TimeoutError } from '../../src/index.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

/** A small seeded generator, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('1,000 random aborts and deadlines over a pipelined pool fail only those calls and quarantine nothing', { timeout: 90_000 }, async () => {
  const random = seeded(20261201);
  const client = new Client({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), poolSize: 3 });
  const quarantined: string[] = [];
  client.on('instanceQuarantined', (i, e) => quarantined.push(`${i.address}: ${e.message}`));
  let rerun = 0;
  client.on('retry', (e) => void (/session was dropped/.test(e.reason) && rerun++));
  try {
    await client.connect();
    const calls: Array<Promise<void>> = [];
    let aborted = 0;
    for (let i = 0; i < 3_000; i++) {
      const sql = 'SELECT $1::int8 AS v, pg_sleep($2::float8)';
      const params = [i, random() < 0.1 ? 0.002 : 0];
      const kind = random();
      if (kind < 0.2) {
        aborted++;
        const controller = new AbortController();
        setTimeout(() => controller.abort(new Error('caller gave up')), Math.floor(random() * 6));
        calls.push(client.fetchrow<{ v: number }>(sql, params, { signal: controller.signal }).then(
          (row) => assert.equal(row?.v, i),
          (e: unknown) => assert.ok(e instanceof AbortError, String(e)),
        ));
      } else if (kind < 0.34) {
        aborted++;
        calls.push(client.fetchrow<{ v: number }>(sql, params, { timeout: 1 + Math.floor(random() * 4) }).then(
          (row) => assert.equal(row?.v, i),
          (e: unknown) => assert.ok(e instanceof TimeoutError || e instanceof PoolTimeoutError, String(e)),
        ));
      } else {
        calls.push(client.fetchrow<{ v: number }>(sql, params).then((row) => assert.equal(row?.v, i, 'a call nobody aborted succeeds with its own row')));
      }
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    assert.ok(aborted >= 900, `${aborted} calls were aborted or had a short deadline`);
    assert.deepEqual(quarantined, []);
    assert.ok(rerun > 0, 'some statements lost their session to a neighbour and ran again');
    assert.equal(await client.fetchval('SELECT 1'), 1);
  } finally {
    await client.close();
  }
});
