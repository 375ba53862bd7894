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

test('junk arguments reject with a picots error before anything is routed; the client stays usable', { timeout: 30_000 }, async () => {
  const client = new Client({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), poolSize: 3 });
  const retried: unknown[] = [];
  client.on('retry', (e) => retried.push(e));
  try {
    await client.connect();
    const junk: Array<() => Promise<unknown>> = [
      () => client.query({ text: 'SELECT 1' } as never),
      () => client.fetch(123 as never),
      () => client.fetch(null as never),
      () => client.fetch(undefined as never),
      () => client.fetch('SELECT 1', 'x' as never),
      () => client.fetch('SELECT 1', null as never),
      () => client.fetch('SELECT 1', [], 'fast' as never),
      () => client.fetch('SELECT 1', [], { timeout: -1 }),
      () => client.fetch('SELECT 1', [], { timeout: 3e9 }),
      () => client.fetch('SELECT 1', [], { idempotent: 'yes' } as never),
      () => client.fetch('SELECT 1', [], { readPreference: 'nearest' } as never),
      () => client.fetch('SELECT $1', [Symbol('s')]),
      () => client.fetch('SELECT $1', [{ a: 1 }]),
      () => client.fetch('SELECT $1', [2n ** 64n]),
      () => client.fetch('SELECT 1\0'),
      () => client.executemany('SELECT $1::int', 'x' as never),
      () => client.acquire({ timeout: -5 }),
      () => client.acquire('soon' as never),
      () => client.close({ drainTimeout: -1 }),
    ];
    for (const call of junk) {
      let result: Promise<unknown>;
      assert.doesNotThrow(() => (result = call()), 'never throws synchronously');
      await assert.rejects(result!, (e: unknown) => e instanceof PicotsError, String(call));
    }
    assert.deepEqual(retried, []);
    assert.equal(await client.fetchval('SELECT 41 + 1'), 42);
    assert.equal(client.instances().filter((i) => i.quarantined).length, 0);
  } finally {
    await client.close();
  }
});

test('util.inspect of a client shows no password', async () => {
  const { inspect } = await import('node:util');
  const client = new Client({ dsn: 'postgresql://app:Sup3rSecretPw@127.0.0.1:1/db', poolSize: 1 });
  const text = inspect(client, { depth: 10, showHidden: true });
  assert.ok(!text.includes('Sup3rSecretPw'), text);
  await client.close();
});

test('a session held with acquire() shows as in flight on its instance until it is released', { timeout: 30_000 }, async () => {
  const client = new Client({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), poolSize: 3 });
  try {
    await client.connect();
    const conn = await client.acquire();
    const busy = () => client.instances().find((i) => i.address === conn.instance.address)!.inFlight;
    assert.equal(busy(), 1);
    conn.release();
    assert.equal(busy(), 0);
  } finally {
    await client.close();
  }
});
