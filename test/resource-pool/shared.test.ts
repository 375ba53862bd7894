import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Factory, type Res, isSettled, makePool, sleep, tick } from './helpers.js';

test('shared leases spread over resources, fewest leases first, capped by pipelining', async () => {
  const pool = makePool(new Factory(), { minSize: 3, maxSize: 3, pipelining: 4 });
  await sleep(5);
  const got: Res[] = [];
  for (let i = 0; i < 12; i++) got.push(await pool.acquire({ shared: true }));
  const per = new Map<Res, number>();
  for (const r of got) per.set(r, (per.get(r) ?? 0) + 1);
  assert.deepEqual([...per.values()], [4, 4, 4]);
  // First round-robin-like: the first three leases went to three different resources.
  assert.equal(new Set(got.slice(0, 3)).size, 3);
  for (const r of per.keys()) assert.equal(pool.leaseCount(r), 4);
  const waiting = pool.acquire({ shared: true, timeout: 1000 });
  assert.equal(await isSettled(waiting), false, 'the 13th shared lease waits: every resource is at its cap');
  pool.release(got[5]);
  assert.equal(await waiting, got[5]);
  const s = pool.stats();
  assert.deepEqual({ leased: s.leased, leases: s.leases, idle: s.idle }, { leased: 3, leases: 12, idle: 0 });
  await pool.terminate();
});

test('shared acquire grows the pool in the background without making the caller wait', async () => {
  const f = new Factory({ createDelay: 20 });
  const pool = makePool(f, { maxSize: 3, pipelining: 4 });
  const a = await pool.acquire({ shared: true }); // pool empty: waits for the first create
  assert.equal(pool.size, 1);
  const second = pool.acquire({ shared: true });
  assert.equal(await isSettled(second), true, 'served at once by the busy resource');
  assert.equal(await second, a);
  assert.equal(pool.stats().creating, 1, 'one more is being created in the background');
  await pool.acquire({ shared: true }); // still only one background create at a time
  assert.equal(pool.stats().creating, 1);
  await sleep(30);
  assert.equal(pool.size, 2);
  const third = await pool.acquire({ shared: true });
  assert.notEqual(third, a, 'the new, unleased resource is the least loaded');
  await pool.terminate();
});

test('a shared lease never joins an exclusively held resource', async () => {
  const pool = makePool(new Factory(), { maxSize: 1, pipelining: 8 });
  const r = await pool.acquire();
  const s = pool.acquire({ shared: true, timeout: 1000 });
  assert.equal(await isSettled(s), false);
  pool.release(r);
  assert.equal(await s, r);
  await pool.terminate();
});

test('an exclusive caller waits behind queued shared waiters (no barging)', async () => {
  const pool = makePool(new Factory(), { maxSize: 1, pipelining: 1 });
  const r = await pool.acquire({ shared: true });
  const order: string[] = [];
  const s1 = pool.acquire({ shared: true }).then((x) => (order.push('s1'), x));
  const x1 = pool.acquire().then((x) => (order.push('x1'), x));
  pool.release(r);
  pool.release(await s1);
  pool.release(await x1);
  assert.deepEqual(order, ['s1', 'x1']);
  await pool.terminate();
});

test('an exclusive waiter reserves the least-loaded shared resource; shared traffic keeps using the others', async () => {
  const pool = makePool(new Factory(), { minSize: 2, maxSize: 2, pipelining: 4 });
  await sleep(5);
  const a1 = await pool.acquire({ shared: true });
  const b1 = await pool.acquire({ shared: true });
  assert.notEqual(a1, b1);
  const b2 = await pool.acquire({ shared: true }); // b now has 2 leases, a has 1
  assert.equal(b2, b1);
  const [a, b] = [a1, b1];

  const x = pool.acquire({ timeout: 1000 }); // exclusive: nothing idle, `a` (1 lease) is reserved for it
  assert.equal(await isSettled(x), false);
  // New shared callers and queued shared waiters are not blocked: they go to `b`, never to `a`.
  const more: Res[] = [];
  for (let i = 0; i < 2; i++) more.push(await pool.acquire({ shared: true }));
  assert.deepEqual(more, [b, b]);
  assert.equal(pool.leaseCount(a), 1);
  const queued = pool.acquire({ shared: true, timeout: 1000 }); // b is full (4), a is reserved
  assert.equal(await isSettled(queued), false);
  pool.release(b); // a slot on b frees: the shared waiter behind the exclusive head takes it
  assert.equal(await queued, b);
  pool.release(a); // a drains: the exclusive waiter gets it
  assert.equal(await x, a);
  assert.equal(pool.leaseCount(a), 1);
  assert.equal([...pool.resources()].find((i) => i.resource === a)!.exclusive, true);
  await pool.terminate();
});

test('steady pipelined traffic does not starve an exclusive waiter', async () => {
  const pool = makePool(new Factory(), { minSize: 3, maxSize: 3, pipelining: 4 });
  await sleep(5);
  let stop = false;
  let sharedServed = 0;
  const worker = async () => {
    while (!stop) {
      const r = await pool.acquire({ shared: true, timeout: 1000 });
      sharedServed++;
      await sleep(Math.random() * 2);
      pool.release(r);
    }
  };
  const workers = Array.from({ length: 16 }, worker); // more than 3 × 4 slots: always someone waiting
  await sleep(10);
  const before = sharedServed;
  const t0 = performance.now();
  const r = await pool.acquire({ timeout: 200 });
  const waited = performance.now() - t0;
  assert.equal(pool.leaseCount(r), 1);
  await sleep(5);
  pool.release(r);
  stop = true;
  await Promise.all(workers);
  assert.ok(waited < 50, `the exclusive waiter got a resource after one drain (${waited.toFixed(1)} ms)`);
  assert.ok(sharedServed > before, 'shared traffic went on meanwhile');
  await pool.close();
});

test('every shared waiter is served in arrival order', async () => {
  const pool = makePool(new Factory(), { minSize: 2, maxSize: 2, pipelining: 2 });
  await sleep(5);
  const held = await Promise.all([1, 2, 3, 4].map(() => pool.acquire({ shared: true })));
  const order: number[] = [];
  const ws = Array.from({ length: 20 }, (_, i) =>
    pool.acquire({ shared: true }).then(async (r) => {
      order.push(i);
      await tick();
      pool.release(r);
    }),
  );
  for (const r of held) pool.release(r);
  await Promise.all(ws);
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  await pool.close();
});
