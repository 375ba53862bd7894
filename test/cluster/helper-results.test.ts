import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pool } from '../../src/cluster/pool.js';
import type { ClusterQueryOptions } from '../../src/cluster/cluster-query-options.js';
import type { QueryParams, QueryResult } from '../../src/protocol/query-types.js';
import { AbortError, ServerError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

/*
 * The pool settles execute/fetch/fetchrow/fetchval itself, from the reply, rather than as query().then():
 * these tests hold it to giving exactly what query() gives, and to leaving nothing behind when a call fails.
 */

const standIn = await useStandIn();
const plain = { params: { sslmode: 'disable' } };

test('execute, fetch, fetchrow and fetchval give what query() gives, rows or none, with or without options', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 2 });
  try {
    const sql = 'SELECT i AS n, i::text AS t FROM generate_series(1, $1::int) AS i';
    for (const count of [0, 1, 3]) {
      const whole = await pool.query<{ n: number; t: string }>(sql, [count]);
      assert.deepEqual(await pool.fetch(sql, [count]), whole.rows);
      assert.deepEqual(await pool.fetchrow(sql, [count]), whole.rows[0] ?? null);
      assert.equal(await pool.fetchval(sql, [count]), whole.rows[0]?.n ?? null);
      assert.equal(await pool.fetchval(sql, [count], { timeout: 5_000, int8: 'string' }), whole.rows[0]?.n ?? null);
      assert.deepEqual(await pool.fetch(sql, [count], { rowMode: 'array' }), whole.rows.map((r) => [r.n, r.t]));
      assert.deepEqual(await pool.execute(sql, [count]), { command: 'SELECT', rowCount: count });
    }
  } finally {
    await pool.close();
  }
});

test("a subclass's own query() still serves every helper", async () => {
  const seen: string[] = [];
  class RecordingPool extends Pool {
    override query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ClusterQueryOptions): Promise<QueryResult<Row>> {
      seen.push(sql);
      return super.query<Row>(sql, params, options);
    }
  }
  const pool = new RecordingPool({ dsn: standIn.dsn('scram', plain), maxSize: 1 });
  try {
    assert.equal(await pool.fetchval('SELECT 1'), 1);
    assert.deepEqual(await pool.fetchrow('SELECT 2 AS n'), { n: 2 });
    assert.deepEqual(await pool.fetch('SELECT 3 AS n'), [{ n: 3 }]);
    assert.deepEqual(await pool.execute('SELECT 4'), { command: 'SELECT', rowCount: 1 });
    assert.deepEqual(seen, ['SELECT 1', 'SELECT 2 AS n', 'SELECT 3 AS n', 'SELECT 4']);
  } finally {
    await pool.close();
  }
});

test('a helper that fails, at once or on the server, leaves no lease and no running work behind', async () => {
  const pool = new Pool({ dsn: standIn.dsn('scram', plain), maxSize: 1 });
  try {
    await pool.connect();
    // Refused by the connection before anything is written: the lease taken for it must come back.
    await assert.rejects(pool.fetchval('SELECT 1', [], { signal: AbortSignal.abort() }), AbortError);
    await assert.rejects(pool.fetchval('SELECT 1/0'), (e: unknown) => e instanceof ServerError && e.code === '22012');
    const [instance] = pool.instances();
    assert.equal(instance!.inFlight, 0, 'no statement counted as running');
    assert.equal(pool.stats().total.leased, 0, 'no lease left on the connection');
    // And the one connection still serves.
    assert.equal(await pool.fetchval('SELECT 7'), 7);
  } finally {
    await pool.close();
  }
});
