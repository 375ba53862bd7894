import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { ResourcePool } from '../../src/resource-pool/resource-pool.js';
import type { PoolWarning } from '../../src/resource-pool/pool-core.js';
import { Factory, type Res, fakeTime, isSettled, makePool, releaseAll, resourcesOf, tick } from './helpers.js';

describe('options', () => {
  const base = { create: async () => ({}), destroy: () => {} };
  const bad: Array<[string, Record<string, unknown>]> = [
    ['maxSize', { maxSize: 0 }],
    ['maxSize', { maxSize: 1.5 }],
    ['minSize', { minSize: -1 }],
    ['minSize', { minSize: 11 }],
    ['idleTimeout', { idleTimeout: -1 }],
    ['idleTimeout', { idleTimeout: 2 ** 40 }],
    ['maxLifetime', { maxLifetime: Number.NaN }],
    ['maxUses', { maxUses: 0.5 }],
    ['maxWaiters', { maxWaiters: -1 }],
    ['acquireTimeout', { acquireTimeout: 0 }],
    ['pipelining', { pipelining: 0 }],
    ['setup', { setup: 'x' }],
    ['beforeAcquire', { beforeAcquire: 1 }],
    ['maxsize', { maxsize: 3 }],
  ];
  for (const [option, extra] of bad) {
    test(`rejects ${JSON.stringify(extra)} naming ${option}`, () => {
      assert.throws(
        () => new ResourcePool({ ...base, ...extra } as never),
        (e: unknown) => e instanceof ConfigError && e.option === option,
      );
    });
  }
  test('create and destroy are required', () => {
    assert.throws(() => new ResourcePool({ destroy: () => {} } as never), (e: unknown) => e instanceof ConfigError && e.option === 'create');
    assert.throws(() => new ResourcePool({ create: base.create } as never), (e: unknown) => e instanceof ConfigError && e.option === 'destroy');
  });
  test('unknown key message suggests the right one', () => {
    assert.throws(() => new ResourcePool({ ...base, maxsize: 3 } as never), /did you mean 'maxSize'/);
  });
  test('Infinity is allowed where documented', () => {
    const p = new ResourcePool({ ...base, acquireTimeout: Infinity, maxWaiters: Infinity, idleTimeout: 0 });
    assert.equal(p.stats().maxSize, 10);
  });
  test('a bad per-acquire timeout rejects with ConfigError', async () => {
    const p = new ResourcePool({ ...base });
    await assert.rejects(p.acquire({ timeout: -5 }), ConfigError);
    await assert.rejects(p.acquire({ timeout: Number.NaN }), ConfigError);
  });
  test('a bad drainTimeout rejects close with ConfigError', async () => {
    const p = new ResourcePool({ ...base });
    await assert.rejects(p.close({ drainTimeout: -1 }), ConfigError);
    await p.close();
  });
});

describe('sizing', () => {
  test('minSize resources are created at once, lazily up to maxSize, never more', async (t) => {
    const clock = fakeTime(t);
    const f = new Factory({ createDelay: 2 });
    const pool = makePool(f, { minSize: 2, maxSize: 4, now: clock.now });
    assert.equal(pool.stats().creating, 2);
    await clock.advance(2);
    assert.equal(pool.size, 2);
    const pending = Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
    await clock.advance(2);
    const held = await pending;
    assert.equal(new Set(resourcesOf(held)).size, 4);
    assert.equal(pool.size, 4);
    const fifth = pool.acquire({ timeout: 30 });
    await tick();
    assert.equal(pool.stats().creating, 0, 'no create beyond maxSize');
    assert.equal(pool.stats().waiting, 1);
    held[0].release();
    const got = await fifth;
    assert.equal(got.resource, held[0].resource, 'the released resource goes to the waiter');
    assert.equal(f.createCalls, 4);
    releaseAll([got, ...held.slice(1)]);
    assert.deepEqual(
      { size: pool.stats().size, idle: pool.stats().idle, leased: pool.stats().leased },
      { size: 4, idle: 4, leased: 0 },
    );
    await pool.close();
  });

  test('exclusive acquire takes the most recently released resource (LIFO)', async () => {
    const pool = makePool(new Factory(), { maxSize: 3 });
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    a.release();
    c.release();
    b.release();
    assert.equal((await pool.acquire()).resource, b.resource);
    assert.equal((await pool.acquire()).resource, c.resource);
    await pool.terminate();
  });
});

describe('leases', () => {
  test('a lease carries its resource and kind', async () => {
    const pool = makePool(new Factory(), { pipelining: 2 });
    const x = await pool.acquire();
    assert.equal(x.shared, false);
    assert.equal(x.active, true);
    x.release();
    assert.equal(x.active, false);
    const s = await pool.acquire({ shared: true });
    assert.equal(s.shared, true);
    assert.equal(s.resource, x.resource);
    s.release();
    await pool.close();
  });

  test('a second release is a no-op with a warning, and never ends another shared lease on the resource', async () => {
    const pool = makePool(new Factory(), { maxSize: 1, pipelining: 3 });
    const warnings: PoolWarning[] = [];
    pool.on('warning', (w) => warnings.push(w));
    const a = await pool.acquire({ shared: true });
    const b = await pool.acquire({ shared: true });
    assert.equal(a.resource, b.resource);
    assert.equal(pool.leaseCount(a.resource), 2);
    a.release();
    a.release();
    a.destroy();
    assert.equal(pool.leaseCount(a.resource), 1, "b's lease is untouched");
    assert.equal(pool.size, 1, 'the late destroy() did not destroy the resource');
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['ERR_PICOTS_DOUBLE_RELEASE', 'ERR_PICOTS_DOUBLE_RELEASE'],
    );
    assert.match(warnings[0].message, /already ended/);
    assert.match(warnings[1].message, /^destroy\(\)/);
    // An exclusive caller still has to wait for b: the resource is not idle.
    const x = pool.acquire({ timeout: 1000 });
    assert.equal(await isSettled(x), false);
    b.release();
    assert.equal((await x).resource, a.resource);
    (await x).release();
    assert.equal(pool.stats().leases, 0);
    await pool.close();
  });

  test('a double release of an exclusive lease does not release the next holder', async () => {
    const pool = makePool(new Factory(), { maxSize: 1 });
    const warnings: PoolWarning[] = [];
    pool.on('warning', (w) => warnings.push(w));
    const first = await pool.acquire();
    first.release();
    const second = await pool.acquire();
    assert.equal(second.resource, first.resource);
    first.release(); // the bug: a stale handle
    assert.equal(pool.leaseCount(second.resource), 1);
    assert.equal(pool.stats().idle, 0);
    assert.equal(warnings.length, 1);
    second.release();
    await pool.close();
  });

  test('destroy via the lease removes the resource; other shared leases on it end as no-ops', async () => {
    const pool = makePool(new Factory(), { maxSize: 1, pipelining: 2 });
    const warnings: PoolWarning[] = [];
    pool.on('warning', (w) => warnings.push(w));
    const a = await pool.acquire({ shared: true });
    const b = await pool.acquire({ shared: true });
    a.destroy('broken');
    assert.equal(pool.size, 0);
    await tick();
    assert.equal(a.resource.alive, false);
    assert.equal(pool.stats().destroyedByReason.broken, 1);
    b.release(); // its first release: a quiet no-op on a destroyed resource
    assert.deepEqual(warnings, []);
    assert.equal(pool.leaseCount(a.resource), 0);
    const c = await pool.acquire();
    assert.notEqual(c.resource, a.resource);
    c.destroy();
    assert.equal(pool.stats().destroyedByReason.error, 1, 'destroy() defaults to reason error');
    await pool.close();
  });

  test('tryAcquire leases a chosen resource when it has room, else returns undefined', async () => {
    const pool = makePool(new Factory(), { maxSize: 2, pipelining: 2 });
    const held = await pool.acquire();
    const r = held.resource;
    assert.equal(pool.tryAcquire(r), undefined, 'held exclusively');
    assert.equal(pool.tryAcquire(r, { shared: true }), undefined, 'no shared lease on an exclusive one');
    held.release();
    const s1 = pool.tryAcquire(r, { shared: true })!;
    const s2 = pool.tryAcquire(r, { shared: true })!;
    assert.equal(s1.resource, r);
    assert.equal(s2.shared, true);
    assert.equal(pool.tryAcquire(r, { shared: true }), undefined, 'pipeline full');
    assert.equal(pool.tryAcquire({ id: 99, alive: true }), undefined, 'not from this pool');
    s1.release();
    s2.release();
    const x = pool.tryAcquire(r)!;
    assert.equal(x.shared, false);
    assert.equal(pool.leaseCount(r), 1);
    x.release();
    await pool.close();
  });
});

describe('release, destroy, retire', () => {
  test('destroy removes at once; a later release of its leases is a no-op', async () => {
    const f = new Factory();
    const pool = makePool(f, { pipelining: 2, maxSize: 1 });
    const l1 = await pool.acquire({ shared: true });
    const l2 = await pool.acquire({ shared: true });
    const r = l1.resource;
    assert.equal(l2.resource, r);
    assert.equal(pool.leaseCount(r), 2);
    pool.destroy(r);
    assert.equal(pool.size, 0);
    await tick();
    assert.equal(r.alive, false);
    l1.release();
    l2.release();
    assert.equal(pool.leaseCount(r), 0);
    assert.equal(pool.stats().destroyedByReason.error, 1);
    assert.ok(pool.events.some(([ev, res, why]) => ev === 'destroy' && res === r && why === 'error'));
    assert.ok(!pool.events.some(([ev]) => ev === 'warning'));
    await pool.close();
  });

  test('retire waits for the last lease, then destroys; no new leases meanwhile', async () => {
    const f = new Factory();
    const pool = makePool(f, { pipelining: 4, maxSize: 2 });
    const l = await pool.acquire({ shared: true });
    const r = l.resource;
    pool.retire(r, 'test');
    const other = await pool.acquire({ shared: true });
    assert.notEqual(other.resource, r);
    assert.equal(r.alive, true);
    l.release();
    await tick();
    assert.equal(r.alive, false);
    assert.equal(pool.stats().destroyedByReason.test, 1);
    other.release();
    await pool.close();
  });

  test('withResource releases after success and after a throw', async () => {
    const pool = makePool(new Factory(), { maxSize: 1 });
    assert.equal(await pool.withResource((r) => r.id), 1);
    await assert.rejects(pool.withResource(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(pool.stats().leases, 0);
    // fn may destroy a broken resource: the release after it is a no-op.
    await pool.withResource((r) => pool.destroy(r));
    assert.equal(pool.size, 0);
    assert.ok(!pool.events.some(([ev]) => ev === 'warning'));
    await pool.close();
  });

  test('resources() lists entries with their lease state', async () => {
    const pool = makePool(new Factory(), { pipelining: 3, maxSize: 2 });
    const { resource: r } = await pool.acquire({ shared: true });
    await pool.acquire({ shared: true });
    const infos = [...pool.resources()];
    assert.equal(infos.length, pool.size);
    const info = infos.find((i) => i.resource === r)!;
    assert.equal(info.leases, 2);
    assert.equal(info.exclusive, false);
    assert.equal(info.uses, 2);
    assert.equal(info.retiring, false);
    await pool.terminate();
  });
});

describe('stats and events', () => {
  test('counters add up', async (t) => {
    const clock = fakeTime(t);
    const f = new Factory({ fail: (n) => (n === 2 ? new Error('nope') : undefined) });
    const pool = makePool(f, { maxSize: 1, maxWaiters: 1, now: clock.now });
    const l = await pool.acquire(); // waited (pool empty): create #1
    const waiter = pool.acquire({ timeout: 20 });
    await assert.rejects(pool.acquire(), /saturated/);
    const timedOut = assert.rejects(waiter, /timed out after 20 ms \(pool size 1\/1, 1 in use, 0 waiting, 0 creating\)/);
    await clock.advance(20);
    await timedOut;
    const ac = new AbortController();
    const aborted = pool.acquire({ signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    pool.destroy(l.resource);
    await assert.rejects(pool.acquire(), /nope/); // create #2 fails: the head waiter gets it
    const l3 = await pool.acquire();
    l3.release();
    const s = pool.stats();
    assert.equal(s.acquireCount, 2);
    assert.equal(s.waitedAcquireCount, 2);
    assert.equal(s.acquireWaitTimeMs, 0); // the clock did not move while they waited for their creates
    assert.equal(s.timedOutAcquireCount, 1);
    assert.equal(s.abortedAcquireCount, 1);
    assert.equal(s.saturatedCount, 1);
    assert.equal(s.createdCount, 2);
    assert.equal(s.createFailedCount, 1);
    assert.equal(s.destroyedCount, 1);
    assert.deepEqual(s.destroyedByReason, { error: 1 });
    assert.deepEqual(
      pool.events.map((e) => e[0]),
      ['create', 'acquire', 'destroy', 'createError', 'create', 'acquire', 'release'],
    );
    await pool.close();
    assert.equal(pool.stats().destroyedByReason.closed, 1);
  });

  test('a throwing event listener does not corrupt the pool', async () => {
    const pool = makePool(new Factory(), { maxSize: 1 });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    const saved = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      pool.on('acquire', () => {
        throw new Error('listener bug');
      });
      const l = await pool.acquire();
      l.release();
      await tick();
      assert.equal(pool.stats().idle, 1);
      assert.equal(uncaught.length, 1);
    } finally {
      process.off('uncaughtException', onUncaught);
      for (const l of saved) process.on('uncaughtException', l);
    }
    await pool.close();
  });
});

test('a fast acquire resolves without waiting for a timer', async () => {
  const pool = makePool(new Factory(), { minSize: 1 });
  await tick();
  assert.equal(pool.stats().idle, 1);
  assert.equal(await isSettled(pool.acquire()), true);
  await pool.terminate();
});

test('an idle resource that dies is destroyed without any error event; minSize refills', async () => {
  const f = new Factory();
  const pool = makePool(f, { minSize: 2, maxSize: 2 });
  await tick();
  const [first] = [...pool.resources()];
  pool.destroy(first.resource); // e.g. its socket closed while idle
  await tick();
  assert.equal(pool.size, 2);
  assert.equal(pool.stats().destroyedByReason.error, 1);
  assert.ok(!pool.events.some(([ev]) => ev === 'error'));
  await pool.close();
});

test('a listener that releases or closes during a hand-off loses nothing', async () => {
  const f = new Factory();
  const pool = makePool(f, { minSize: 2, maxSize: 2, pipelining: 2 });
  await tick();
  const held = await Promise.all([1, 2, 3, 4].map(() => pool.acquire({ shared: true })));
  const x = pool.acquire({ timeout: 1000 }); // exclusive head
  const s1 = pool.acquire({ shared: true, timeout: 1000 });
  const s2 = pool.acquire({ shared: true, timeout: 1000 });
  let closing: Promise<void> | undefined;
  pool.on('acquire', () => {
    closing ??= pool.close({ drainTimeout: 50 });
  });
  // Free a slot on the resource that is not reserved for x: s1 gets it, and the listener closes the pool.
  const isReserved = (r: Res) => [...pool.resources()].some((i) => i.resource === r && (i as unknown as { reserved: boolean }).reserved);
  const other = held.find((l) => !isReserved(l.resource))!;
  other.release();
  const l1 = await s1;
  await assert.rejects(s2, /closing/);
  await assert.rejects(x, /closing/);
  releaseAll([...held.filter((l) => l !== other), l1]);
  await closing;
  assert.equal(pool.isClosed(), true);
  assert.ok(f.created.every((r) => !r.alive));
});
