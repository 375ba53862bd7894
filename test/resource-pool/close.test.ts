import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoolClosedError } from '../../src/errors.js';
import { Factory, isSettled, makePool, settledWithin, sleep, tick } from './helpers.js';

test('close() refuses new acquires, rejects waiters, destroys idle now and leased ones as they return', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 3 });
  const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
  pool.release(c);
  const waiter = pool.acquire({ timeout: 5_000 });
  assert.equal(await waiter, c);
  const waiter2 = pool.acquire({ timeout: 5_000 });
  const closed = pool.close();
  assert.equal(pool.isClosing(), true);
  assert.equal(pool.close(), closed, 'idempotent: the same promise');
  await assert.rejects(waiter2, PoolClosedError);
  await assert.rejects(pool.acquire(), PoolClosedError);
  pool.release(c);
  await tick();
  assert.equal(c.alive, false, 'a returned resource is destroyed');
  assert.equal(await isSettled(closed), false);
  pool.release(a);
  assert.equal(await isSettled(closed), false);
  pool.release(b);
  await closed;
  assert.equal(pool.isClosed(), true);
  assert.deepEqual(f.created.map((r) => r.alive), [false, false, false]);
  assert.equal(pool.stats().destroyedByReason.closed, 3);
});

test('close() with drainTimeout force-destroys what is still leased; a later release is a no-op', async () => {
  const f = new Factory();
  const pool = makePool(f);
  const r = await pool.acquire();
  const t0 = performance.now();
  await pool.close({ drainTimeout: 30 });
  const took = performance.now() - t0;
  assert.ok(took >= 25 && took < 200, `waited for the drain (${took.toFixed(1)} ms)`);
  assert.equal(r.alive, false);
  pool.release(r);
  assert.equal(pool.stats().size, 0);
});

test('close() resolves only after every destroy promise has settled', async () => {
  const f = new Factory({ destroyDelay: 40 });
  const pool = makePool(f, { minSize: 2 });
  await sleep(5);
  const closed = pool.close();
  assert.equal(await settledWithin(closed, 20), 'pending');
  assert.equal(f.destroyed.length, 0);
  await closed;
  assert.equal(f.destroyed.length, 2);
});

test('a rejecting or throwing destroy does not stop close()', async () => {
  let n = 0;
  const { ResourcePool } = await import('../../src/resource-pool/resource-pool.js');
  const pool = new ResourcePool<{ id: number }>({
    create: async () => ({ id: ++n }),
    destroy: (r) => {
      if (r.id === 1) throw new Error('sync boom');
      return Promise.reject(new Error('async boom'));
    },
    minSize: 2,
  });
  await sleep(5);
  await pool.close();
  assert.equal(pool.stats().destroyedCount, 2);
});

test('close() waits for creates in flight and destroys what they make', async () => {
  const f = new Factory({ createDelay: 30 });
  const pool = makePool(f);
  const waiter = pool.acquire();
  await tick();
  assert.equal(pool.stats().creating, 1);
  const closed = pool.close();
  await assert.rejects(waiter, PoolClosedError);
  assert.equal(await isSettled(closed), false);
  await closed;
  assert.equal(f.created.length, 1);
  assert.equal(f.created[0].alive, false);
  assert.equal(f.signals[0].aborted, false, 'a graceful close lets the create finish');
});

test('terminate() destroys leased resources at once and aborts creates in flight', async () => {
  let signal: AbortSignal | undefined;
  const slowCreates: Array<() => void> = [];
  const { ResourcePool } = await import('../../src/resource-pool/resource-pool.js');
  let n = 0;
  const pool = new ResourcePool<{ id: number }>({
    create: (s) => {
      if (++n === 1) return Promise.resolve({ id: n });
      signal = s;
      return new Promise((_, reject) => {
        slowCreates.push(() => reject(new Error('never')));
        s.addEventListener('abort', () => reject(s.reason));
      });
    },
    destroy: () => sleep(5),
    maxSize: 2,
  });
  const r = await pool.acquire();
  const waiter = pool.acquire(); // starts create #2, which only ends when aborted
  await tick();
  const done = pool.terminate();
  assert.equal(pool.close(), done);
  await assert.rejects(waiter, PoolClosedError);
  assert.equal(signal?.aborted, true);
  await done;
  assert.equal(pool.isClosed(), true);
  pool.release(r); // no-op after terminate
  assert.equal(pool.stats().destroyedByReason.closed, 1);
  assert.equal(slowCreates.length, 1);
});

test('close() with nothing in the pool resolves at once; acquire after close rejects', async () => {
  const pool = makePool(new Factory());
  await pool.close();
  assert.equal(pool.isClosed(), true);
  await assert.rejects(pool.acquire(), /the pool is closed/);
  await pool.terminate();
});

test('close() while an afterRelease hook runs waits for it, then destroys the resource', async () => {
  const f = new Factory();
  const pool = makePool(f, { afterRelease: () => sleep(20).then(() => true) });
  const r = await pool.acquire();
  pool.release(r);
  const closed = pool.close();
  assert.equal(await settledWithin(closed, 5), 'pending');
  await closed;
  assert.equal(r.alive, false);
});
