import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortError, PoolSaturatedError, PoolTimeoutError } from '../../src/errors.js';
import type { Lease } from '../../src/resource-pool/lease.js';
import { Factory, type Res, fakeTime, makePool, sleep, tick } from './helpers.js';

test('100 waiters on 3 resources are served in arrival order; a releaser that re-acquires queues last', async () => {
  const pool = makePool(new Factory(), { maxSize: 3 });
  const held = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
  const order: Array<number | string> = [];
  const done: Promise<void>[] = [];
  const serveAndRelease = (label: number | string, p: Promise<Lease<Res>>) =>
    done.push(
      p.then(async (l) => {
        order.push(label);
        await tick(); // hold it a moment
        l.release();
      }),
    );
  for (let i = 0; i < 100; i++) serveAndRelease(i, pool.acquire({ timeout: 5_000 }));
  assert.equal(pool.stats().waiting, 100);
  for (const [i, l] of held.entries()) {
    l.release();
    serveAndRelease(`re${i}`, pool.acquire({ timeout: 5_000 })); // must not barge ahead
  }
  await Promise.all(done);
  assert.deepEqual(order, [...Array.from({ length: 100 }, (_, i) => i), 're0', 're1', 're2']);
  assert.equal(pool.size, 3);
  assert.equal(pool.stats().waitedAcquireCount, 106); // the first three waited for their creates
  await pool.close();
});

test('a new caller does not barge while others wait, even if it arrives as a resource frees up', async () => {
  const pool = makePool(new Factory(), { maxSize: 1 });
  const l = await pool.acquire();
  const first = pool.acquire();
  l.release();
  const second = pool.acquire();
  const l1 = await first;
  assert.equal(l1.resource, l.resource);
  let secondDone = false;
  void second.then(() => (secondDone = true));
  await tick();
  assert.equal(secondDone, false);
  l1.release();
  const l2 = await second;
  assert.equal(l2.resource, l.resource);
  l2.release();
  await pool.close();
});

test('maxWaiters: the next caller is refused at once with PoolSaturatedError', async () => {
  const pool = makePool(new Factory(), { maxSize: 1, maxWaiters: 2 });
  const l = await pool.acquire();
  const w1 = pool.acquire();
  const w2 = pool.acquire();
  await assert.rejects(pool.acquire(), (e: unknown) => e instanceof PoolSaturatedError && /2 callers already waiting/.test(e.message));
  l.release();
  (await w1).release();
  (await w2).release();
  assert.equal(pool.stats().saturatedCount, 1);
  await pool.close();
  // maxWaiters 0 = never wait for a busy pool; a caller waiting for a resource being created for it is fine.
  const none = makePool(new Factory(), { maxSize: 1, maxWaiters: 0 });
  const only = await none.acquire();
  await assert.rejects(none.acquire(), PoolSaturatedError);
  only.release();
  await none.close();
});

test('timeout and abort remove the waiter in O(1) and keep the order of the others', async (t) => {
  const clock = fakeTime(t);
  const pool = makePool(new Factory(), { maxSize: 1, now: clock.now });
  const l = await pool.acquire();
  const ac = new AbortController();
  const a = pool.acquire({ timeout: 5_000 });
  const b = pool.acquire({ timeout: 10 });
  const c = pool.acquire({ signal: ac.signal });
  const d = pool.acquire({ timeout: 5_000 });
  ac.abort(new Error('user gave up'));
  await assert.rejects(c, (e: unknown) => e instanceof AbortError && e.phase === 'acquire' && e.mayHaveReachedServer === false);
  const bTimedOut = assert.rejects(b, PoolTimeoutError);
  await clock.advance(10);
  await bTimedOut;
  assert.equal(pool.stats().waiting, 2);
  l.release();
  const la = await a;
  assert.equal(la.resource, l.resource);
  la.release();
  const ld = await d;
  assert.equal(ld.resource, l.resource);
  ld.release();
  await pool.close();
});

test('an already aborted signal rejects at once', async () => {
  const pool = makePool(new Factory());
  await assert.rejects(pool.acquire({ signal: AbortSignal.abort() }), AbortError);
  assert.equal(pool.stats().abortedAcquireCount, 1);
  await pool.close();
});

/**
 * A storm of acquires with random tiny timeouts and aborts, random create delays and random hold times.
 * Afterwards every resource must be accounted for: size never above max, no lease left, every created
 * resource either idle in the pool or destroyed exactly once, and close() destroys the rest.
 */
for (const asyncCheck of [false, true]) {
  test(`storm of 1,000 acquires with timeouts and aborts loses nothing${asyncCheck ? ' (async beforeAcquire)' : ''}`, async () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const f = new Factory({ createDelay: () => Math.floor(rand() * 3) });
    const maxSize = 5;
    const pool = makePool(f, {
      maxSize,
      pipelining: 3,
      beforeAcquire: asyncCheck ? (r) => sleep(Math.floor(rand() * 2)).then(() => r.alive) : undefined,
    });
    let maxSeen = 0;
    const watch = () => (maxSeen = Math.max(maxSeen, pool.size + pool.stats().creating));
    pool.on('create', watch);
    pool.on('acquire', watch);
    let ok = 0;
    let timedOut = 0;
    let aborted = 0;
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      const ac = new AbortController();
      if (rand() < 0.3) setTimeout(() => ac.abort(), Math.floor(rand() * 10));
      const shared = rand() < 0.5;
      jobs.push(
        pool.acquire({ timeout: 1 + Math.floor(rand() * 15), signal: ac.signal, shared }).then(
          async (l) => {
            ok++;
            assert.equal(l.resource.alive, true);
            assert.equal(l.shared, shared);
            if (!shared) assert.equal(pool.leaseCount(l.resource), 1, 'an exclusive lease is alone');
            await sleep(Math.floor(rand() * 3));
            l.release();
          },
          (e: unknown) => {
            if (e instanceof PoolTimeoutError) timedOut++;
            else if (e instanceof AbortError) aborted++;
            else throw e;
          },
        ),
      );
      if (i % 20 === 0) await sleep(1);
    }
    await Promise.all(jobs);
    await sleep(10); // creates started for waiters that left
    const s = pool.stats();
    assert.equal(ok + timedOut + aborted, 1000);
    assert.ok(ok > 50, `enough acquires succeeded (${ok})`);
    assert.ok(timedOut > 0 && aborted > 0, `both timeouts (${timedOut}) and aborts (${aborted}) happened`);
    assert.ok(maxSeen <= maxSize, `size never above maxSize (saw ${maxSeen})`);
    assert.equal(s.leases, 0);
    assert.equal(s.waiting, 0);
    assert.equal(s.creating, 0);
    assert.equal(s.acquireCount, ok);
    assert.equal(s.timedOutAcquireCount, timedOut);
    assert.equal(s.abortedAcquireCount, aborted);
    assert.equal(s.idle, s.size);
    assert.equal(f.created.length, s.createdCount);
    assert.equal(f.created.length - s.destroyedCount, s.size, 'created = in pool + destroyed');
    const inPool = new Set([...pool.resources()].map((i) => i.resource));
    for (const r of f.created) assert.equal(r.alive, inPool.has(r), `resource ${r.id} is alive iff it is in the pool`);
    await pool.close();
    assert.equal(f.destroyed.length, f.created.length);
    assert.ok(f.created.every((r) => !r.alive));
  });
}
