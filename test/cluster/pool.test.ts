import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Pool } from '../../src/cluster/pool.js';
import { AuthenticationError, ConfigError, PoolClosedError, PoolTimeoutError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();
const plain = { params: { sslmode: 'disable' } };

/** Sessions the server has open for a user, counted by the server itself. */
async function serverSessions(user: string): Promise<number> {
  return Number((await standIn.sql(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${user}'`)).trim());
}

test('a pool runs queries from many callers and every answer is right', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 3 });
  try {
    await pool.connect();
    const values = await Promise.all(Array.from({ length: 300 }, (_, i) => pool.fetchval<number>('SELECT $1::int8 + 1', [i])));
    assert.deepEqual(values, Array.from({ length: 300 }, (_, i) => i + 1));
    const stats = pool.stats().total;
    assert.ok(stats.size >= 1 && stats.size <= 3, `size ${stats.size} within maxSize`);
    assert.ok(stats.acquireCount >= 300);
  } finally {
    await pool.close();
  }
});

test('queries made before connect() connect the pool themselves', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain) });
  try {
    assert.equal(await pool.fetchval('SELECT 5'), 5);
  } finally {
    await pool.close();
  }
});

test('acquire() gives one session for exclusive use until it is released', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 2 });
  try {
    const conn = await pool.acquire();
    const pid = await conn.fetchval<number>('SELECT pg_backend_pid()');
    assert.equal(await conn.fetchval('SELECT pg_backend_pid()'), pid, 'the same session answers every query');
    assert.equal(conn.instance.address, standIn.instances[0]!.address);
    pool.release(conn);
    assert.throws(() => pool.release(conn), /already released/);
    await assert.rejects(conn.fetchval('SELECT 1'), /already released/);
  } finally {
    await pool.close();
  }
});

test('await using releases the connection at the end of the block', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 1, acquireTimeout: 500 });
  try {
    {
      await using conn = await pool.acquire();
      assert.equal(await conn.fetchval('SELECT 1'), 1);
      assert.equal(pool.stats().total.leased, 1);
    }
    assert.equal(pool.stats().total.leased, 0);
    const again = await pool.acquire();
    again.release();
  } finally {
    await pool.close();
  }
});

test('acquire() gives up after its timeout with PoolTimeoutError when every connection is held', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 1 });
  try {
    const held = await pool.acquire();
    await assert.rejects(pool.acquire({ timeout: 100 }), PoolTimeoutError);
    held.release();
  } finally {
    await pool.close();
  }
});

test('close() waits for queries in flight, then leaves no session open on the server', async () => {
  const user = standIn.users.scram.user;
  const before = await serverSessions(user);
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 4, minSize: 4 });
  await pool.connect();
  const slow = pool.fetchval('SELECT pg_sleep(0.3)::text || $1', ['finished']);
  const held = await pool.acquire();
  setTimeout(() => held.release(), 100);
  await pool.close();
  assert.equal(await slow, 'finished', 'the query in flight finished before close resolved');
  await assert.rejects(pool.fetchval('SELECT 1'), PoolClosedError);
  // The server notices the Terminate right away; give its bookkeeping a moment.
  for (let i = 0; i < 50 && (await serverSessions(user)) > before; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await serverSessions(user), before);
});

test('a wrong password is tried once per pool, not once per caller (Picodata locks a user after 4 failures)', async () => {
  const user = standIn.users.md5.user;
  const failures = (): number =>
    readFileSync(standIn.logFile, 'utf8').split('\n').filter((l) => l.includes(`password authentication failed for user "${user}"`)).length;
  const before = failures();
  const pool = new Pool({ dsn: standIn.dsn('md5', plain), password: 'Not-The-Passw0rd', maxSize: 8 });
  try {
    const attempts = await Promise.allSettled([pool.connect(), ...Array.from({ length: 20 }, () => pool.fetchval('SELECT 1'))]);
    for (const a of attempts) {
      assert.equal(a.status, 'rejected');
      assert.ok((a as PromiseRejectedResult).reason instanceof AuthenticationError, String((a as PromiseRejectedResult).reason));
      assert.ok(!String((a as PromiseRejectedResult).reason.message).includes('Not-The-Passw0rd'));
    }
    await assert.rejects(pool.fetchval('SELECT 1'), AuthenticationError);
  } finally {
    await pool.close();
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(failures() - before, 1, 'exactly one login attempt reached the server');
});

test('bad options are refused up front with the option named', () => {
  assert.throws(() => new Pool({ dsn: standIn.dsn('scram'), maxSize: 0 }), (e: unknown) => e instanceof ConfigError && e.option === 'maxSize');
  assert.throws(() => new Pool({ dsn: standIn.dsn('scram'), minSize: 5, maxSize: 2 }), (e: unknown) => e instanceof ConfigError && e.option === 'minSize');
  assert.throws(() => new Pool({ dsn: 'host=localhost user=x' }), (e: unknown) => e instanceof ConfigError && e.option === 'dsn');
  assert.throws(
    () => new Pool({ dsn: standIn.dsn('scram'), maxsize: 3 } as unknown as ConstructorParameters<typeof Pool>[0]),
    (e: unknown) => e instanceof ConfigError && /did you mean 'maxSize'/.test(e.message),
  );
  assert.throws(() => new Pool({ dsn: standIn.dsn('scram'), readPreference: 'nearest' as never }), ConfigError);
});
