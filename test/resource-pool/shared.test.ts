import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lease } from '../../src/resource-pool/lease.js';
import { Factory, type Res, fakeTime, isSettled, makePool, releaseAll, sleep, tick } from './helpers.js';

test('shared leases spread over resources, fewest leases first, capped by pipelining', async () => {
  const pool = makePool(new Factory(), { minSize: 3, maxSize: 3, pipelining: 4 });
  await tick();
  const got: Lease<Res>[] = [];
  for (let i = 0; i < 12; i++) got.push(await pool.acquire({ shared: true }));
  const per = new Map<Res, number>();
  for (const l of got) per.set(l.resource, (per.get(l.resource) ?? 0) + 1);
  assert.deepEqual([...per.values()], [4, 4, 4]);
  // First round-robin-like: the first three leases went to three different resources.
  assert.equal(new Set(got.slice(0, 3).map((l) => l.resource)).size, 3);
  for (const r of per.keys()) assert.equal(pool.leaseCount(r), 4);
  const waiting = pool.acquire({ shared: true, timeout: 1000 });
  assert.equal(await isSettled(waiting), false, 'the 13th shared lease waits: every resource is at its cap');
  got[5].release();
  assert.equal((await waiting).resource, got[5].resource);
  const s = pool.stats();
  assert.deepEqual({ leased: s.leased, leases: s.leases, idle: s.idle }, { leased: 3, leases: 12, idle: 0 });
  await pool.terminate();
});

test('shared acquire grows the pool in the background without making the caller wait', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory({ createDelay: 20 });
  const pool = makePool(f, { maxSize: 3, pipelining: 4, now: clock.now });
  const first = pool.acquire({ shared: true }); // pool empty: waits for the first create
  await clock.advance(20);
  const a = await first;
  assert.equal(pool.size, 1);
  const second = pool.acquire({ shared: true });
  assert.equal(await isSettled(second), true, 'served at once by the busy resource');
  assert.equal((await second).resource, a.resource);
  assert.equal(pool.stats().creating, 1, 'one more is being created in the background');
  await pool.acquire({ shared: true }); // still only one background create at a time
  assert.equal(pool.stats().creating, 1);
  await clock.advance(20);
  assert.equal(pool.size, 2);
  const third = await pool.acquire({ shared: true });
  assert.notEqual(third.resource, a.resource, 'the new, unleased resource is the least loaded');
  await pool.terminate();
});

test('a shared lease never joins an exclusively held resource', async () => {
  const pool = makePool(new Factory(), { maxSize: 1, pipelining: 8 });
  const x = await pool.acquire();
  const s = pool.acquire({ shared: true, timeout: 1000 });
  assert.equal(await isSettled(s), false);
  x.release();
  assert.equal((await s).resource, x.resource);
  await pool.terminate();
});

test('an exclusive caller waits behind queued shared waiters (no barging)', async () => {
  const pool = makePool(new Factory(), { maxSize: 1, pipelining: 1 });
  const l = await pool.acquire({ shared: true });
  const order: string[] = [];
  const s1 = pool.acquire({ shared: true }).then((x) => (order.push('s1'), x));
  const x1 = pool.acquire().then((x) => (order.push('x1'), x));
  l.release();
  (await s1).release();
  (await x1).release();
  assert.deepEqual(order, ['s1', 'x1']);
  await pool.terminate();
});

test('an exclusive waiter reserves the least-loaded shared resource; shared traffic keeps using the others', async () => {
  const pool = makePool(new Factory(), { minSize: 2, maxSize: 2, pipelining: 4 });
  await tick();
  const a1 = await pool.acquire({ shared: true });
  const b1 = await pool.acquire({ shared: true });
  assert.notEqual(a1.resource, b1.resource);
  const b2 = await pool.acquire({ shared: true }); // b now has 2 leases, a has 1
  assert.equal(b2.resource, b1.resource);
  const [a, b] = [a1.resource, b1.resource];

  const x = pool.acquire({ timeout: 1000 }); // exclusive: nothing idle, `a` (1 lease) is reserved for it
  assert.equal(await isSettled(x), false);
  // New shared callers and queued shared waiters are not blocked: they go to `b`, never to `a`.
  const more: Lease<Res>[] = [];
  for (let i = 0; i < 2; i++) more.push(await pool.acquire({ shared: true }));
  assert.deepEqual(more.map((l) => l.resource), [b, b]);
  assert.equal(pool.leaseCount(a), 1);
  const queued = pool.acquire({ shared: true, timeout: 1000 }); // b is full (4), a is reserved
  assert.equal(await isSettled(queued), false);
  b1.release(); // a slot on b frees: the shared waiter behind the exclusive head takes it
  assert.equal((await queued).resource, b);
  a1.release(); // a drains: the exclusive waiter gets it
  assert.equal((await x).resource, a);
  assert.equal(pool.leaseCount(a), 1);
  assert.equal([...pool.resources()].find((i) => i.resource === a)!.exclusive, true);
  await pool.terminate();
});

test('steady pipelined traffic does not starve an exclusive waiter: the reserved resource drains for it', async () => {
  const pool = makePool(new Factory(), { minSize: 3, maxSize: 3, pipelining: 4 });
  await tick();
  let stop = false;
  let sharedServed = 0;
  // Per resource: leases granted on it since the exclusive caller started waiting.
  let joinedWhileWaiting: Map<Res, number> | undefined;
  pool.on('acquire', (r) => joinedWhileWaiting?.set(r, (joinedWhileWaiting.get(r) ?? 0) + 1));
  const worker = async () => {
    for (let i = 0; i < 5_000 && !stop; i++) {
      const l = await pool.acquire({ shared: true, timeout: 5_000 });
      sharedServed++;
      await sleep(Math.random() * 2);
      l.release();
    }
  };
  const workers = Array.from({ length: 16 }, worker); // more than 3 × 4 slots: always someone waiting
  try {
    await sleep(10);
    assert.equal(pool.stats().idle, 0);
    const ahead = pool.stats().waiting; // shared waiters queued before it are served first
    joinedWhileWaiting = new Map();
    const before = sharedServed;
    const x = await pool.acquire({ timeout: 5_000 });
    const joined = joinedWhileWaiting.get(x.resource) ?? 0;
    joinedWhileWaiting = undefined;
    assert.equal(pool.leaseCount(x.resource), 1);
    // Once it heads the queue, its reserved resource takes no new shared lease: only those queued ahead of
    // it (and its own lease) can have joined the resource it got, however busy the traffic.
    assert.ok(joined <= ahead + 1, `${joined} leases joined its resource while it waited, ${ahead} callers were ahead`);
    assert.ok(sharedServed > before, 'shared traffic went on meanwhile');
    await tick();
    x.release();
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  await pool.close();
});

test('every shared waiter is served in arrival order', async () => {
  const pool = makePool(new Factory(), { minSize: 2, maxSize: 2, pipelining: 2 });
  await tick();
  const held = await Promise.all([1, 2, 3, 4].map(() => pool.acquire({ shared: true })));
  const order: number[] = [];
  const ws = Array.from({ length: 20 }, (_, i) =>
    pool.acquire({ shared: true }).then(async (l) => {
      order.push(i);
      await tick();
      l.release();
    }),
  );
  releaseAll(held);
  await Promise.all(ws);
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  await pool.close();
});

test('tryLeaseNow: a lease at once when one is free and nobody waits; undefined otherwise', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 1, pipelining: 2 });
  assert.equal(pool.tryLeaseNow(true), undefined, 'nothing is open yet: the caller must acquire() (which opens one)');
  const first = await pool.acquire({ shared: true });
  const second = pool.tryLeaseNow(true);
  assert.ok(second !== undefined && second.resource === first.resource, 'joins the open resource');
  assert.equal(pool.tryLeaseNow(true), undefined, 'pipelining 2 reached');
  assert.equal(pool.tryLeaseNow(false), undefined, 'no idle resource for an exclusive lease');
  first.release();
  second!.release();
  const exclusive = pool.tryLeaseNow(false);
  assert.ok(exclusive !== undefined);
  exclusive.release();
  await pool.close();
  assert.equal(pool.tryLeaseNow(true), undefined, 'closed');
});

test('tryLeaseNow with a beforeAcquire hook: undefined, and the idle resource stays in the pool', async () => {
  const f = new Factory();
  let checks = 0;
  const pool = makePool(f, { maxSize: 1, beforeAcquire: () => (checks++, true) });
  const first = await pool.acquire();
  first.release();
  assert.equal(pool.stats().idle, 1);
  assert.equal(pool.tryLeaseNow(false), undefined);
  assert.equal(pool.tryLeaseNow(true), undefined);
  assert.equal(pool.stats().idle, 1, 'nothing was taken off the idle list');
  const again = await pool.acquire({ timeout: 200 });
  assert.equal(again.resource, first.resource, 'the same resource, checked by the hook');
  assert.equal(checks, 2);
  again.release();
  await pool.close();
});
