import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PoolTimeoutError } from '../../src/errors.js';
import { deferred, Factory, fakeTime, isSettled, makePool, releaseAll, tick } from './helpers.js';

test('idleTimeout destroys surplus idle resources, keeps minSize', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory();
  const pool = makePool(f, { minSize: 1, maxSize: 4, idleTimeout: 30, now: clock.now });
  const held = await Promise.all([1, 2, 3].map(() => pool.acquire()));
  releaseAll(held);
  assert.equal(pool.size, 3);
  await clock.advance(29);
  assert.equal(pool.size, 3, 'not before idleTimeout');
  await clock.advance(1);
  assert.equal(pool.size, 1);
  assert.equal(pool.stats().destroyedByReason.idle, 2);
  // The most recently released one is kept (LIFO): the survivor is the last released.
  assert.equal([...pool.resources()][0].resource, held[2].resource);
  await pool.close();
});

test('a lease released with countAsUse: false does not reset the idle clock', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, idleTimeout: 30, pipelining: 4, now: clock.now });
  const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
  a!.release();
  b!.release();
  await clock.advance(20);
  // Background work on both, 20 ms into their idle time: it must not keep them open past 30 ms.
  const bg = await Promise.all([pool.acquire({ shared: true }), pool.acquire({ shared: true })]);
  for (const lease of bg) lease.release({ countAsUse: false });
  await clock.advance(9);
  assert.equal(pool.size, 2, 'not before idleTimeout');
  await clock.advance(1);
  assert.equal(pool.size, 0, 'closed 30 ms after their last real use');
  // A real use does reset it.
  const c = await pool.acquire();
  c.release();
  await clock.advance(20);
  const d = await pool.acquire({ shared: true });
  d.release();
  await clock.advance(20);
  assert.equal(pool.size, 1, 'still open 20 ms after its last real use');
  await pool.close();
});

test('maxLifetime: an idle resource is destroyed when its (jittered) lifetime ends; a leased one when released', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, maxLifetime: 30, idleTimeout: 0, pipelining: 2, now: clock.now });
  const [a, b] = await Promise.all([pool.acquire({ shared: true }), pool.acquire()]);
  b.release();
  await clock.advance(34); // > 30 ms + 10 % jitter
  assert.equal(b.resource.alive, false, 'the idle one is gone');
  assert.equal(a.resource.alive, true, 'the leased one lives on until released');
  const c = await pool.acquire({ shared: true });
  assert.notEqual(c.resource, a.resource, 'but it takes no new lease');
  a.release();
  await tick();
  assert.equal(a.resource.alive, false);
  assert.equal(pool.stats().destroyedByReason.lifetime, 2);
  c.release();
  await pool.close();
});

test('maxLifetime jitter spreads expiry over ±10 %', async (t) => {
  const clock = fakeTime(t);
  const deaths: number[] = [];
  const f = new Factory();
  const pool = makePool(f, { minSize: 20, maxSize: 20, maxLifetime: 100, idleTimeout: 0, now: clock.now });
  await tick();
  const t0 = clock.now();
  pool.on('destroy', () => deaths.push(clock.now() - t0));
  await clock.advance(112);
  const first20 = deaths.slice(0, 20);
  assert.equal(first20.length, 20);
  assert.ok(Math.min(...first20) >= 90 && Math.max(...first20) <= 111, `all within the jitter window: ${first20}`);
  assert.ok(Math.max(...first20) - Math.min(...first20) > 3, 'not all at once');
  await pool.terminate();
});

test('maxUses counts leases and retires the resource after its last one', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 1, maxUses: 3, pipelining: 2 });
  const a = await pool.acquire();
  a.release();
  const s1 = await pool.acquire({ shared: true });
  const s2 = await pool.acquire({ shared: true }); // third use: retiring, but both leases stay valid
  assert.equal(s1.resource, a.resource);
  assert.equal(s2.resource, a.resource);
  const next = pool.acquire({ timeout: 1000 });
  s1.release();
  assert.equal(a.resource.alive, true);
  s2.release();
  const b = await next;
  assert.notEqual(b.resource, a.resource);
  assert.equal(a.resource.alive, false);
  assert.equal(pool.stats().destroyedByReason.uses, 1);
  b.release();
  await pool.close();
});

test('expire() destroys idle resources now and leased ones on release; minSize is refilled', async () => {
  const f = new Factory();
  const pool = makePool(f, { minSize: 2, maxSize: 3 });
  await tick();
  const leased = await pool.acquire();
  const idleOne = [...pool.resources()].find((i) => i.leases === 0)!.resource;
  pool.expire();
  await tick();
  assert.equal(idleOne.alive, false);
  assert.equal(leased.resource.alive, true);
  leased.release();
  await tick();
  assert.equal(leased.resource.alive, false);
  assert.equal(pool.stats().destroyedByReason.expired, 2);
  await tick();
  assert.equal(pool.size, 2);
  await pool.close();
});

test('setup runs once before first use; a failure destroys the resource and reaches the waiter', async () => {
  const f = new Factory();
  const seen: number[] = [];
  const pool = makePool(f, {
    maxSize: 2,
    setup: async (r) => {
      seen.push(r.id);
      if (r.id === 1) throw new Error('setup failed');
    },
  });
  await assert.rejects(pool.acquire(), /setup failed/);
  const l = await pool.acquire();
  assert.equal(l.resource.id, 2);
  l.release();
  const again = await pool.acquire();
  assert.equal(again.resource, l.resource);
  again.release();
  assert.deepEqual(seen, [1, 2]);
  const s = pool.stats();
  assert.equal(s.destroyedByReason.setup, 1);
  assert.equal(s.createFailedCount, 1);
  assert.equal(f.created[0].alive, false);
  await pool.close();
});

for (const mode of ['sync', 'async'] as const) {
  test(`beforeAcquire false (${mode}) destroys the resource and picks another`, async () => {
    const f = new Factory();
    const reject = new Set<number>([1]);
    const check = (id: number) => !reject.has(id);
    const pool = makePool(f, {
      maxSize: 3,
      beforeAcquire: mode === 'sync' ? (r) => check(r.id) : async (r) => (await tick(), check(r.id)),
    });
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    assert.deepEqual([a.resource.id, b.resource.id].sort(), [2, 3], 'resource 1 failed its check on the way');
    a.release();
    b.release();
    reject.add(a.resource.id);
    const c = await pool.acquire(); // LIFO: b first
    assert.equal(c.resource, b.resource);
    c.release();
    reject.add(b.resource.id);
    const d = await pool.acquire();
    assert.equal(d.resource.id, 4);
    assert.equal(pool.stats().destroyedByReason.hook, 3);
    assert.equal(pool.stats().size, 1);
    d.release();
    await pool.close();
  });
}

test('beforeAcquire runs only when a resource had no lease', async () => {
  let checks = 0;
  const pool = makePool(new Factory(), { maxSize: 1, pipelining: 4, beforeAcquire: () => (checks++, true) });
  const ls = await Promise.all([1, 2, 3].map(() => pool.acquire({ shared: true })));
  assert.equal(checks, 1);
  releaseAll(ls);
  await pool.acquire();
  assert.equal(checks, 2);
  await pool.terminate();
});

test('a timed-out caller whose resource was being checked does not lose it', async (t) => {
  const clock = fakeTime(t);
  const f = new Factory();
  const check = deferred<boolean>();
  const pool = makePool(f, { maxSize: 1, beforeAcquire: () => check.promise, now: clock.now });
  const timedOut = assert.rejects(pool.acquire({ timeout: 10 }), PoolTimeoutError);
  await clock.advance(10);
  await timedOut;
  check.resolve(true);
  await tick();
  const s = pool.stats();
  assert.deepEqual({ size: s.size, idle: s.idle, leases: s.leases }, { size: 1, idle: 1, leases: 0 });
  const l = await pool.acquire();
  assert.equal(l.resource, f.created[0]);
  l.release();
  await pool.close();
});

test('afterRelease false (sync or async) destroys on release; true returns it to idle', async () => {
  let verdict: boolean | Promise<boolean> = true;
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, afterRelease: () => verdict });
  const l = await pool.acquire();
  l.release();
  assert.equal(pool.stats().idle, 1);
  verdict = false;
  const again = await pool.acquire();
  assert.equal(again.resource, l.resource);
  again.release();
  assert.equal(pool.size, 0);
  const l2 = await pool.acquire();
  const hook = deferred<boolean>();
  verdict = hook.promise;
  l2.release();
  assert.equal(pool.stats().idle, 0, 'not idle while the hook runs');
  hook.resolve(false);
  await tick();
  assert.equal(l2.resource.alive, false);
  assert.equal(pool.stats().destroyedByReason.hook, 2);
  await pool.close();
});

test('isUsable false destroys the resource before handing it out', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, isUsable: (r) => r.id !== 1 });
  const l = await pool.acquire();
  assert.equal(l.resource.id, 2);
  assert.equal(f.created[0].alive, false);
  assert.equal(pool.stats().destroyedByReason.unusable, 1);
  l.release();
  await pool.close();
});

test('a failed create rejects the oldest waiter at once, with the create error', async (t) => {
  const clock = fakeTime(t); // no timer fires in this test: the rejections cannot come from a timeout
  const f = new Factory({ fail: (n) => (n <= 2 ? Object.assign(new Error('password authentication failed'), { code: '28P01' }) : undefined) });
  const pool = makePool(f, { maxSize: 1, now: clock.now });
  const errors: unknown[] = [];
  pool.on('createError', (e) => errors.push(e));
  const w1 = pool.acquire({ timeout: 5_000 });
  const w2 = pool.acquire({ timeout: 5_000 });
  const r1 = assert.rejects(w1, (e: unknown) => (e as { code?: string }).code === '28P01');
  const r2 = assert.rejects(w2, /password authentication failed/, 'the next waiter got its own create attempt');
  assert.equal(await isSettled(w1), true, 'fast, not by timeout');
  assert.equal(await isSettled(w2), true);
  await r1;
  await r2;
  assert.equal(errors.length, 2);
  assert.equal(pool.stats().createFailedCount, 2);
  const l = await pool.acquire();
  l.release();
  await pool.close();
});

test('background creates for minSize retry with backoff and never throw unhandled', async (t) => {
  const clock = fakeTime(t);
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const f = new Factory({ fail: (n) => (n <= 2 ? new Error('down') : undefined) });
    const pool = makePool(f, { minSize: 2, maxSize: 2, now: clock.now });
    await clock.advance(70);
    assert.equal(pool.size, 0, 'backing off after the failures (the first retry waits 75 to 100 ms)');
    assert.equal(f.createCalls, 2);
    await clock.advance(30);
    assert.equal(pool.size, 2, 'filled after the backoff');
    assert.equal(pool.stats().createFailedCount, 2);
    await pool.close();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the idle reaper and retry timers never keep the process alive', () => {
  const poolUrl = new URL('../../src/resource-pool/index.ts', import.meta.url).href;
  const script = `
    import { ResourcePool } from ${JSON.stringify(poolUrl)};
    let n = 0;
    const pool = new ResourcePool({ create: async () => ({ id: ++n }), destroy: () => {}, minSize: 3, idleTimeout: 60000, maxLifetime: 120000 });
    (await pool.acquire()).release();
    const bad = new ResourcePool({ create: async () => { throw new Error('down'); }, destroy: () => {}, minSize: 1 });
    setTimeout(() => console.log('settled'), 20);
  `;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /settled/);
});

