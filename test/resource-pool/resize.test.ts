import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { Factory, makePool, resourcesOf, tick } from './helpers.js';

test('resize down destroys idle surplus at once and retires leased surplus only when released', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 4, idleTimeout: 0 });
  const leases = await Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
  const held = resourcesOf(leases);
  leases[0]!.release();
  leases[1]!.release();
  pool.resize({ maxSize: 1 });
  await tick();
  assert.equal(held[0]!.alive, false, 'idle surplus destroyed');
  assert.equal(held[1]!.alive, false, 'idle surplus destroyed');
  assert.equal(held[2]!.alive && held[3]!.alive, true, 'leased connections are never cut short');
  assert.equal(pool.stats().destroyedByReason.resized, 2);
  leases[2]!.release();
  leases[3]!.release();
  await tick();
  assert.equal([held[2]!, held[3]!].filter((r) => r.alive).length, 1, 'one of the two leased ones was retired on release');
  assert.equal(pool.size, 1);
  assert.equal(pool.stats().destroyedByReason.resized, 3);
  await pool.close();
});

test('resize up lets waiters get new resources at once', async () => {
  const f = new Factory();
  const pool = makePool(f, { maxSize: 1 });
  const first = await pool.acquire();
  const waiting = pool.acquire({ timeout: 1000 });
  pool.resize({ maxSize: 2 });
  const second = await waiting;
  assert.notEqual(second.resource, first.resource);
  first.release();
  second.release();
  await pool.close();
});

test('resize validates its limits', async () => {
  const pool = makePool(new Factory(), { maxSize: 2 });
  assert.throws(() => pool.resize({ maxSize: 0 }), ConfigError);
  assert.throws(() => pool.resize({ maxSize: 2, minSize: 3 }), ConfigError);
  await pool.close();
});
