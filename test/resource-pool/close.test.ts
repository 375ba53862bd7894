import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoolClosedError } from '../../src/errors.js';
import { ResourcePool } from '../../src/resource-pool/resource-pool.js';
import { deferred, Factory, fakeTime, isSettled, makePool, sleep, tick } from './helpers.js';

test('close() refuses new acquires, rejects waiters, destroys idle now and leased ones as they return', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 3 });
  const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
  c.release();
  const waiter = pool.acquire({ timeout: 5_000 });
  const c2 = await waiter;
  assert.equal(c2.resource, c.resource);
  const waiter2 = pool.acquire({ timeout: 5_000 });
  const closed = pool.close();
  assert.equal(pool.isClosing(), true);
  assert.equal(pool.close(), closed, 'idempotent: the same promise');
  await assert.rejects(waiter2, PoolClosedError);
  await assert.rejects(pool.acquire(), PoolClosedError);
  c2.release();
  await tick();
  assert.equal(c.resource.alive, false, 'a returned resource is destroyed');
  assert.equal(await isSettled(closed), false);
  a.release();
  assert.equal(await isSettled(closed), false);
  b.release();
  await closed;
  assert.equal(pool.isClosed(), true);
  assert.deepEqual(f.created.map((r) => r.alive), [false, false, false]);
  assert.equal(pool.stats().destroyedByReason.closed, 3);
});

test('close() with drainTimeout force-destroys what is still leased; a later release is a no-op', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory();
  const pool = makePool(f, { now: clock.now });
  const l = await pool.acquire();
  const closed = pool.close({ drainTimeout: 30 });
  await clock.advance(29);
  assert.equal(await isSettled(closed), false, 'waits for the drain');
  assert.equal(l.resource.alive, true);
  await clock.advance(1);
  assert.equal(await isSettled(closed), true);
  assert.equal(l.resource.alive, false);
  l.release();
  assert.equal(pool.stats().size, 0);
  assert.ok(!pool.events.some(([ev]) => ev === 'warning'));
});

test('close() resolves only after every destroy promise has settled', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory({ destroyDelay: 40 });
  const pool = makePool(f, { minSize: 2, now: clock.now });
  await tick();
  const closed = pool.close();
  await clock.advance(39);
  assert.equal(await isSettled(closed), false);
  assert.equal(f.destroyed.length, 0);
  await clock.advance(1);
  await closed;
  assert.equal(f.destroyed.length, 2);
});

test('a rejecting or throwing destroy does not stop close()', async () => {
  let n = 0;
  const pool = new ResourcePool<{ id: number }>({
    create: async () => ({ id: ++n }),
    destroy: (r) => {
      if (r.id === 1) throw new Error('sync boom');
      return Promise.reject(new Error('async boom'));
    },
    minSize: 2,
  });
  await tick();
  await pool.close();
  assert.equal(pool.stats().destroyedCount, 2);
});

test('close() aborts creates in flight; one that finishes anyway is destroyed before close() resolves', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory({ createDelay: 30 });
  const pool = makePool(f, { now: clock.now });
  const waiter = pool.acquire();
  await tick();
  assert.equal(pool.stats().creating, 1);
  const closed = pool.close();
  await assert.rejects(waiter, PoolClosedError);
  assert.equal(await isSettled(closed), false);
  await clock.advance(30);
  await closed;
  assert.equal(f.created.length, 1);
  assert.equal(f.created[0].alive, false);
  assert.equal(f.signals[0].aborted, true, 'nobody can use it: the create is told to stop');
});

test('terminate() destroys leased resources at once and aborts creates in flight', async () => {
  let signal: AbortSignal | undefined;
  const slowCreates: Array<() => void> = [];
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
  const l = await pool.acquire();
  const waiter = pool.acquire(); // starts create #2, which only ends when aborted
  await tick();
  const done = pool.terminate();
  assert.equal(pool.close(), done);
  await assert.rejects(waiter, PoolClosedError);
  assert.equal(signal?.aborted, true);
  await done;
  assert.equal(pool.isClosed(), true);
  l.release(); // no-op after terminate
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
  const hook = deferred<boolean>();
  const pool = makePool(f, { afterRelease: () => hook.promise });
  const l = await pool.acquire();
  l.release();
  const closed = pool.close();
  assert.equal(await isSettled(closed), false);
  hook.resolve(true);
  await closed;
  assert.equal(l.resource.alive, false);
});

test('close() does not wait for a create that never answers: it is aborted at once', async () => {
  let signalSeen: AbortSignal | undefined;
  const pool = new ResourcePool<{ id: number }>({
    // A create that answers only when aborted, as a connect to a silent server does.
    create: (signal) => new Promise((_resolve, reject) => {
      signalSeen = signal;
      signal.addEventListener('abort', () => reject(signal.reason));
    }),
    destroy: () => {},
    acquireTimeout: 60_000,
  });
  const waiting = pool.acquire().then(() => 'got one', (e: unknown) => e);
  await tick();
  assert.equal(pool.stats().creating, 1);
  await pool.close();
  assert.equal(signalSeen?.aborted, true, 'the pending create was aborted');
  assert.ok((await waiting) instanceof Error, 'the waiter was failed');
  assert.equal(pool.stats().creating, 0);
});
