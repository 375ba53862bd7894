import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pool, PoolClosedError, ServerError, TRACING_CHANNELS, type AcquireTraceContext, type QueryTraceContext } from '../../src/index.js';
import { useStandIn } from '../helpers/stand-in.js';
import { eventsOf, recordTracing, secretsIn } from './record-channels.js';

const standIn = await useStandIn();
const plain = { params: { sslmode: 'disable' } };
const { user, password } = standIn.users.scram;
const dsn = standIn.dsn('scram', plain);

async function withPool(fn: (pool: Pool) => Promise<void>): Promise<void> {
  const pool = new Pool({ dsn, maxSize: 3, enableDiscovery: true });
  try {
    await pool.connect();
    await fn(pool);
  } finally {
    await pool.close();
  }
}

test('a successful call: start, end, asyncStart, asyncEnd on one context, filled in with the instance that answered', async () => {
  await withPool(async (pool) => {
    const trace = recordTracing<QueryTraceContext>(TRACING_CHANNELS.query);
    const params = [41];
    const options = { readOnly: true };
    let uuid: string | null;
    try {
      uuid = await pool.fetchval<string>('  /* who */ select pico_instance_uuid() WHERE $1::int8 = 41', params, options);
    } finally {
      trace.stop();
    }
    assert.equal(trace.records.length, 4, trace.records.map((r) => r.event).join());
    const ctx = trace.records[0]!.ctx;
    assert.deepEqual(eventsOf(trace.records, ctx), ['start', 'end', 'asyncStart', 'asyncEnd']);
    const start = trace.records[0]!.seen;
    assert.equal(start.sql, '  /* who */ select pico_instance_uuid() WHERE $1::int8 = 41');
    assert.equal(start.params, params, 'the parameters by reference, not a copy');
    assert.equal(start.operation, 'SELECT');
    assert.equal(start.dbSystemName, 'picodata');
    assert.equal(start.database, standIn.databases.current);
    assert.equal(start.user, user);
    assert.equal(start.options?.readOnly, true);
    assert.equal(start.options?.rowMode, 'array', 'fetchval asks query() for array rows: the options query() was called with');
    assert.equal(start.attempts, 0);
    assert.equal(start.instance, undefined);

    assert.equal(ctx.attempts, 1);
    assert.equal(ctx.instance?.uuid, uuid, 'the instance is the one whose uuid the statement returned');
    const answering = standIn.instances.find((i) => i.uuid === uuid)!;
    assert.equal(ctx.instance?.name, answering.name);
    assert.equal(ctx.instance?.address, answering.address);
    assert.equal(`${ctx.serverAddress}:${ctx.serverPort}`, answering.address);
    assert.equal(ctx.command, 'SELECT');
    assert.equal(ctx.rowCount, 1);
    assert.deepEqual(ctx.result?.rows, [[uuid]]);
    assert.equal(ctx.error, undefined);
    assert.deepEqual(secretsIn(trace.records.map((r) => r.ctx), [password, dsn]), []);
  });
});

test('a statement the server refuses: the error event carries the SQLSTATE in error.code', async () => {
  await withPool(async (pool) => {
    const trace = recordTracing<QueryTraceContext>(TRACING_CHANNELS.query);
    try {
      await assert.rejects(pool.execute('DELETE FROM no_such_table_for_tracing'), ServerError);
    } finally {
      trace.stop();
    }
    const ctx = trace.records[0]!.ctx;
    assert.deepEqual(eventsOf(trace.records, ctx), ['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    assert.equal(ctx.operation, 'DELETE');
    assert.ok(ctx.error instanceof ServerError);
    assert.equal(ctx.error.code, '42P01');
    assert.equal(ctx.attempts, 1, 'a caller mistake is not retried');
    assert.ok(ctx.instance?.uuid !== undefined, 'the instance that refused it');
    assert.equal(ctx.command, undefined);
    assert.deepEqual(secretsIn([ctx], [password, dsn]), []);
  });
});

test('a call refused before any instance (bad arguments, closed pool) is traced with its error and no instance', async () => {
  const pool = new Pool({ dsn, maxSize: 1 });
  await pool.close();
  const trace = recordTracing<QueryTraceContext>(TRACING_CHANNELS.query);
  try {
    await assert.rejects(pool.query('SELECT 1'), PoolClosedError);
  } finally {
    trace.stop();
  }
  const ctx = trace.records[0]!.ctx;
  assert.deepEqual(eventsOf(trace.records, ctx), ['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
  assert.ok(ctx.error instanceof PoolClosedError);
  assert.equal(ctx.attempts, 0);
  assert.equal(ctx.instance, undefined);
});

test('each statement of executemany is one traced call; nothing is published once the subscriber is gone', async () => {
  await withPool(async (pool) => {
    const trace = recordTracing<QueryTraceContext>(TRACING_CHANNELS.query);
    try {
      await pool.executemany('SELECT $1::int8', [[1], [2], [3]]);
    } finally {
      trace.stop();
    }
    const contexts = new Set(trace.records.map((r) => r.ctx));
    assert.equal(contexts.size, 3);
    assert.deepEqual([...contexts].map((c) => c.params), [[1], [2], [3]]);
    const before = trace.records.length;
    await pool.fetchval('SELECT 1');
    assert.equal(trace.records.length, before, 'unsubscribed: nothing recorded');
  });
});

test('picots:pool:acquire: the leased connection and its instance; a failed acquire has the error', async () => {
  await withPool(async (pool) => {
    const trace = recordTracing<AcquireTraceContext>(TRACING_CHANNELS.acquire);
    try {
      const conn = await pool.acquire({ timeout: 5_000 });
      try {
        const ctx = trace.records[0]!.ctx;
        assert.deepEqual(eventsOf(trace.records, ctx), ['start', 'end', 'asyncStart', 'asyncEnd']);
        assert.equal(trace.records[0]!.seen.attempts, 0);
        assert.equal(ctx.result, conn);
        assert.equal(ctx.instance, conn.instance);
        assert.equal(ctx.attempts, 1);
        assert.equal(`${ctx.serverAddress}:${ctx.serverPort}`, conn.instance.address);
        assert.equal(ctx.options?.timeout, 5_000);
        assert.equal(ctx.user, user);
        assert.equal(ctx.dbSystemName, 'picodata');
        assert.equal(await conn.fetchval('SELECT pico_instance_uuid()'), ctx.instance.uuid);
      } finally {
        conn.release();
      }
      await assert.rejects(pool.acquire({ nonsense: 1 } as never));
      const failed = trace.records.at(-1)!.ctx;
      assert.notEqual(failed, trace.records[0]!.ctx);
      assert.deepEqual(eventsOf(trace.records, failed), ['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    } finally {
      trace.stop();
    }
    assert.deepEqual(secretsIn(trace.records.map((r) => r.ctx), [password, dsn]), []);
  });
});

test('statements on an acquired connection are traced too: one attempt, on that connection\'s instance', async () => {
  await withPool(async (pool) => {
    const conn = await pool.acquire();
    const trace = recordTracing<QueryTraceContext>(TRACING_CHANNELS.query);
    try {
      const params = [7];
      const uuid = await conn.fetchval<string>('SELECT pico_instance_uuid() WHERE $1::int8 = 7', params);
      const ctx = trace.records[0]!.ctx;
      assert.deepEqual(eventsOf(trace.records, ctx), ['start', 'end', 'asyncStart', 'asyncEnd']);
      assert.equal(ctx.params, params);
      assert.equal(ctx.operation, 'SELECT');
      assert.equal(ctx.user, user);
      assert.equal(ctx.database, standIn.databases.current);
      assert.equal(ctx.attempts, 1);
      assert.equal(ctx.instance, conn.instance);
      assert.equal(ctx.instance.uuid, uuid);
      assert.equal(`${ctx.serverAddress}:${ctx.serverPort}`, conn.instance.address);
      assert.equal(ctx.rowCount, 1);
      await assert.rejects(conn.execute('DROP TABLE no_such_table_for_tracing'), ServerError);
      const failed = trace.records.at(-1)!.ctx;
      assert.equal((failed.error as ServerError).code, '42P01');
      assert.equal(failed.operation, 'DROP');
      assert.deepEqual(secretsIn(trace.records.map((r) => r.ctx), [password, dsn]), []);
    } finally {
      trace.stop();
      conn.release();
    }
  });
});
