import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PoolTimeoutError } from '../../src/errors.js';
import { Factory, makePool, sleep, tick, waitFor } from './helpers.js';

test('idleTimeout destroys surplus idle resources, keeps minSize', async () => {
  const f = new Factory();
  const pool = makePool(f, { minSize: 1, maxSize: 4, idleTimeout: 30 });
  const held = await Promise.all([1, 2, 3].map(() => pool.acquire()));
  for (const r of held) pool.release(r);
  assert.equal(pool.size, 3);
  // A resource in use keeps its place: only long-idle ones go.
  await sleep(60);
  assert.equal(pool.size, 1);
  assert.equal(pool.stats().destroyedByReason.idle, 2);
  // The most recently released one is kept (LIFO): the survivor is the last released.
  assert.equal([...pool.resources()][0].resource, held[2]);
  await pool.close();
});

test('maxLifetime: an idle resource is destroyed when its (jittered) lifetime ends; a leased one when released', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, maxLifetime: 30, idleTimeout: 0, pipelining: 2 });
  const [a, b] = await Promise.all([pool.acquire({ shared: true }), pool.acquire()]);
  pool.release(b);
  await sleep(50); // > 30 ms + 10 % jitter
  assert.equal(b.alive, false, 'the idle one is gone');
  assert.equal(a.alive, true, 'the leased one lives on until released');
  const c = await pool.acquire({ shared: true });
  assert.notEqual(c, a, 'but it takes no new lease');
  pool.release(a);
  await tick();
  assert.equal(a.alive, false);
  assert.equal(pool.stats().destroyedByReason.lifetime, 2);
  pool.release(c);
  await pool.close();
});

test('maxLifetime jitter spreads expiry over ±10 %', async () => {
  const deaths: number[] = [];
  const f = new Factory();
  const pool = makePool(f, { minSize: 20, maxSize: 20, maxLifetime: 100, idleTimeout: 0 });
  const t0 = performance.now();
  pool.on('destroy', () => deaths.push(performance.now() - t0));
  await sleep(150);
  const first20 = deaths.slice(0, 20);
  assert.equal(first20.length, 20);
  assert.ok(Math.min(...first20) >= 85 && Math.max(...first20) <= 140, `all within the jitter window: ${first20.map(Math.round)}`);
  assert.ok(Math.max(...first20) - Math.min(...first20) > 3, 'not all at once');
  await pool.terminate();
});

test('maxUses counts leases and retires the resource after its last one', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 1, maxUses: 3, pipelining: 2 });
  const a = await pool.acquire();
  pool.release(a);
  const s1 = await pool.acquire({ shared: true });
  const s2 = await pool.acquire({ shared: true }); // third use: retiring, but both leases stay valid
  assert.equal(s1, a);
  assert.equal(s2, a);
  const next = pool.acquire({ timeout: 1000 });
  pool.release(a);
  assert.equal(a.alive, true);
  pool.release(a);
  const b = await next;
  assert.notEqual(b, a);
  assert.equal(a.alive, false);
  assert.equal(pool.stats().destroyedByReason.uses, 1);
  pool.release(b);
  await pool.close();
});

test('expire() destroys idle resources now and leased ones on release; minSize is refilled', async () => {
  const f = new Factory();
  const pool = makePool(f, { minSize: 2, maxSize: 3 });
  await sleep(5);
  const leased = await pool.acquire();
  const idleOne = [...pool.resources()].find((i) => i.leases === 0)!.resource;
  pool.expire();
  await tick();
  assert.equal(idleOne.alive, false);
  assert.equal(leased.alive, true);
  pool.release(leased);
  await tick();
  assert.equal(leased.alive, false);
  assert.equal(pool.stats().destroyedByReason.expired, 2);
  await sleep(5);
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
  const r = await pool.acquire();
  assert.equal(r.id, 2);
  pool.release(r);
  assert.equal(await pool.acquire(), r);
  pool.release(r);
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
      beforeAcquire: mode === 'sync' ? (r) => check(r.id) : async (r) => (await sleep(1), check(r.id)),
    });
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    assert.deepEqual([a.id, b.id].sort(), [2, 3], 'resource 1 failed its check on the way');
    pool.release(a);
    pool.release(b);
    reject.add(a.id);
    const c = await pool.acquire(); // LIFO: b first
    assert.equal(c, b);
    pool.release(c);
    reject.add(b.id);
    const d = await pool.acquire();
    assert.equal(d.id, 4);
    assert.equal(pool.stats().destroyedByReason.hook, 3);
    assert.equal(pool.stats().size, 1);
    pool.release(d);
    await pool.close();
  });
}

test('beforeAcquire runs only when a resource had no lease', async () => {
  let checks = 0;
  const pool = makePool(new Factory(), { maxSize: 1, pipelining: 4, beforeAcquire: () => (checks++, true) });
  const rs = await Promise.all([1, 2, 3].map(() => pool.acquire({ shared: true })));
  assert.equal(checks, 1);
  for (const r of rs) pool.release(r);
  await pool.acquire();
  assert.equal(checks, 2);
  await pool.terminate();
});

test('a timed-out caller whose resource was being checked does not lose it', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 1, beforeAcquire: () => sleep(30).then(() => true) });
  await assert.rejects(pool.acquire({ timeout: 10 }), PoolTimeoutError);
  await sleep(30);
  const s = pool.stats();
  assert.deepEqual({ size: s.size, idle: s.idle, leases: s.leases }, { size: 1, idle: 1, leases: 0 });
  const r = await pool.acquire();
  assert.equal(r, f.created[0]);
  pool.release(r);
  await pool.close();
});

test('afterRelease false (sync or async) destroys on release; true returns it to idle', async () => {
  let verdict: boolean | Promise<boolean> = true;
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, afterRelease: () => verdict });
  const r = await pool.acquire();
  pool.release(r);
  assert.equal(pool.stats().idle, 1);
  verdict = false;
  assert.equal(await pool.acquire(), r);
  pool.release(r);
  assert.equal(pool.size, 0);
  const r2 = await pool.acquire();
  verdict = sleep(5).then(() => false);
  pool.release(r2);
  assert.equal(pool.stats().idle, 0, 'not idle while the hook runs');
  await sleep(10);
  assert.equal(r2.alive, false);
  assert.equal(pool.stats().destroyedByReason.hook, 2);
  await pool.close();
});

test('isUsable false destroys the resource before handing it out', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 2, isUsable: (r) => r.id !== 1 });
  const r = await pool.acquire();
  assert.equal(r.id, 2);
  assert.equal(f.created[0].alive, false);
  assert.equal(pool.stats().destroyedByReason.unusable, 1);
  pool.release(r);
  await pool.close();
});

test('a failed create rejects the oldest waiter at once, with the create error', async () => {
  const f = new Factory({ createDelay: 2, fail: (n) => (n <= 2 ? Object.assign(new Error('password authentication failed'), { code: '28P01' }) : undefined) });
  const pool = makePool(f, { maxSize: 1 });
  const errors: unknown[] = [];
  pool.on('createError', (e) => errors.push(e));
  const t0 = performance.now();
  const w1 = pool.acquire({ timeout: 5_000 });
  const w2 = pool.acquire({ timeout: 5_000 });
  await assert.rejects(w1, (e: unknown) => (e as { code?: string }).code === '28P01');
  await assert.rejects(w2, /password authentication failed/, 'the next waiter got its own create attempt');
  assert.ok(performance.now() - t0 < 100, 'fast, not by timeout');
  assert.equal(errors.length, 2);
  assert.equal(pool.stats().createFailedCount, 2);
  const r = await pool.acquire();
  pool.release(r);
  await pool.close();
});

test('background creates for minSize retry with backoff and never throw unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const f = new Factory({ fail: (n) => (n <= 2 ? new Error('down') : undefined) });
    const pool = makePool(f, { minSize: 2, maxSize: 2 });
    await sleep(10);
    assert.equal(pool.size, 0, 'backing off after the failures');
    assert.ok(await waitFor(() => pool.size === 2, 2_000), 'filled after the backoff');
    assert.equal(pool.stats().createFailedCount, 2);
    await pool.close();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the idle reaper and retry timers never keep the process alive', () => {
  const poolUrl = new URL('../../src/resource-pool/resource-pool.ts', import.meta.url).href;
  const script = `
    import { ResourcePool } from ${JSON.stringify(poolUrl)};
    let n = 0;
    const pool = new ResourcePool({ create: async () => ({ id: ++n }), destroy: () => {}, minSize: 3, idleTimeout: 60000, maxLifetime: 120000 });
    const r = await pool.acquire();
    pool.release(r);
    const bad = new ResourcePool({ create: async () => { throw new Error('down'); }, destroy: () => {}, minSize: 1 });
    setTimeout(() => console.log('settled'), 20);
  `;
  const t0 = performance.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /settled/);
  assert.ok(performance.now() - t0 < 8_000);
});
