/** The login latch: one attempt at a time until one succeeds, none after a 28P01, and no waiting on silence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthLatch } from '../../src/cluster/auth-latch.js';
import { AuthenticationError } from '../../src/errors.js';
import { sleep, tick } from '../helpers/wait.js';

/** An attempt that settles when told to, recording when it started. */
function attempt(log: string[], name: string) {
  let settle!: (ok: boolean) => void;
  const run = () => {
    log.push(name);
    return new Promise<string>((resolve, reject) => {
      settle = (ok) => (ok ? resolve(name) : reject(new AuthenticationError('28P01', `authentication failed for user 'u'`, { severity: 'ERROR' })));
    });
  };
  return { run, settle: (ok: boolean) => settle(ok) };
}

test('until one login succeeds, the next starts only when the one before answered', async () => {
  const latch = new AuthLatch(10_000);
  const log: string[] = [];
  const a = attempt(log, 'a');
  const b = attempt(log, 'b');
  const pa = latch.login(a.run, 'h1');
  const pb = latch.login(b.run, 'h2');
  await sleep(20);
  assert.deepEqual(log, ['a']);
  a.settle(true);
  assert.equal(await pa, 'a');
  await sleep(5);
  assert.deepEqual(log, ['a', 'b']);
  b.settle(true);
  await pb;
});

test('after a 28P01 no further attempt is made anywhere', async () => {
  const latch = new AuthLatch(10_000);
  const log: string[] = [];
  const a = attempt(log, 'a');
  const pa = latch.login(a.run, 'h1');
  const pb = latch.login(attempt(log, 'b').run, 'h2');
  await sleep(5);
  a.settle(false);
  await assert.rejects(pa, AuthenticationError);
  await assert.rejects(pb, /not trying again/);
  await assert.rejects(latch.login(attempt(log, 'c').run, 'h3'), /not trying again/);
  assert.deepEqual(log, ['a']);
});

test('a silent instance holds the others back only for the stall time, and never twice', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const latch = new AuthLatch(500);
  const log: string[] = [];
  const silent1 = attempt(log, 'silent-1');
  const silent2 = attempt(log, 'silent-2');
  const healthy = attempt(log, 'healthy');
  const p1 = latch.login(silent1.run, 'quiet:1');
  const p2 = latch.login(silent2.run, 'quiet:1');
  const p3 = latch.login(healthy.run, 'ok:1');
  await tick();
  assert.deepEqual(log, ['silent-1'], 'one at a time at first');
  t.mock.timers.tick(500);
  for (let i = 0; i < 5; i++) await tick();
  // After one stall: the second attempt on the same silent instance went without holding the line, so the
  // healthy one did not wait for a second stall.
  assert.deepEqual(new Set(log), new Set(['silent-1', 'silent-2', 'healthy']));
  healthy.settle(true);
  assert.equal(await p3, 'healthy');
  silent1.settle(true);
  silent2.settle(true);
  await Promise.all([p1, p2]);
});
