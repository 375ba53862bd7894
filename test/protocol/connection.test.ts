import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../src/protocol/connection.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { AuthenticationError, ConnectionError, ServerError, TypeConversionError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

function target(kind: 'scram' | 'md5' | 'cleartext' | 'tlsOnly' = 'scram') {
  const dsn = parseDsn(standIn.dsn(kind));
  return { host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database };
}

for (const kind of ['scram', 'md5', 'cleartext'] as const) {
  test(`logs in with ${kind} authentication and runs a query`, async () => {
    const conn = await Connection.connect({ ...target(kind), ssl: 'disable' });
    try {
      const row = await conn.fetchrow<{ who: string; n: number }>('SELECT current_user AS who, $1::int8 AS n', [41]);
      assert.deepEqual(row, { who: target(kind).user, n: 41 });
    } finally {
      await conn.close();
    }
  });
}

test('a wrong password fails with AuthenticationError (28P01) that does not contain the password', async () => {
  const password = 'Wrong-Passw0rd-xyz';
  await assert.rejects(Connection.connect({ ...target('scram'), password, ssl: 'disable' }), (error: unknown) => {
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.code, '28P01');
    assert.ok(!error.message.includes(password));
    return true;
  });
});

test('the server reports its parameters and no query was needed to learn them', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    assert.equal(conn.parameters.get('client_encoding'), 'UTF8');
    assert.ok(conn.parameters.has('server_version'));
  } finally {
    await conn.close();
  }
});

test('queries pipelined by many callers on one connection each get their own answer', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    let peak = 0;
    const calls = Array.from({ length: 500 }, (_, i) => {
      const p = conn.fetchval<number>('SELECT $1::int8 * 2', [i]);
      peak = Math.max(peak, conn.inFlight);
      return p;
    });
    const values = await Promise.all(calls);
    assert.deepEqual(values, Array.from({ length: 500 }, (_, i) => i * 2));
    assert.equal(peak, 500, 'all 500 queries were in flight on the connection at once');
    assert.equal(conn.inFlight, 0);
  } finally {
    await conn.close();
  }
});

test('an error stays with its own query in a pipeline; neighbours succeed', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    const [a, b, c] = await Promise.allSettled([
      conn.fetchval('SELECT 1'),
      conn.fetchval('SELECT 1/0'),
      conn.fetchval('SELECT 3'),
    ]);
    assert.deepEqual(a, { status: 'fulfilled', value: 1 });
    assert.equal(b.status, 'rejected');
    assert.ok((b as PromiseRejectedResult).reason instanceof ServerError);
    assert.equal(((b as PromiseRejectedResult).reason as ServerError).code, '22012');
    assert.deepEqual(c, { status: 'fulfilled', value: 3 });
  } finally {
    await conn.close();
  }
});

test('a bad statement pipelined twice reports the parse error to both callers', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    const results = await Promise.allSettled([conn.fetch('SELEKT 1'), conn.fetch('SELEKT 1')]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal(((r as PromiseRejectedResult).reason as ServerError).code, '42601');
    }
    assert.equal(await conn.fetchval('SELECT 7'), 7, 'the connection is still usable');
  } finally {
    await conn.close();
  }
});

test('the statement cache is bounded and closes evicted statements on the server', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable', statementCacheSize: 3 });
  try {
    for (let i = 0; i < 10; i++) await conn.fetchval(`SELECT ${i}::int AS v`);
    assert.equal(conn.preparedStatementCount, 3);
    // This statement is itself prepared (evicting one more), so the server holds exactly the cache's 3.
    const onServer = await conn.fetchval<number>('SELECT count(*)::int FROM pg_prepared_statements');
    assert.equal(onServer, 3);
  } finally {
    await conn.close();
  }
});

test('prepare: false sends an unnamed statement that is not kept on the server', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    assert.equal(await conn.fetchval('SELECT $1::text', ['x'], { prepare: false }), 'x');
    assert.equal(await conn.fetchval('SELECT count(*)::int FROM pg_prepared_statements', [], { prepare: false }), 0);
  } finally {
    await conn.close();
  }
});

test('rows come as objects or arrays; fetchrow/fetchval/execute/executemany shape results', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  const table = `t_shapes_${process.pid}`;
  try {
    await conn.execute(`CREATE TEMP TABLE ${table} (id int8 PRIMARY KEY, name text)`);
    const many = await conn.executemany(`INSERT INTO ${table} VALUES ($1, $2)`, [[1, 'a'], [2, 'b'], [3, null]]);
    assert.deepEqual(many, [{ command: 'INSERT', rowCount: 1 }, { command: 'INSERT', rowCount: 1 }, { command: 'INSERT', rowCount: 1 }]);
    assert.deepEqual(await conn.fetch(`SELECT * FROM ${table} ORDER BY id`, [], { rowMode: 'array' }), [[1, 'a'], [2, 'b'], [3, null]]);
    assert.deepEqual(await conn.fetchrow(`SELECT * FROM ${table} WHERE id = $1`, [2]), { id: 2, name: 'b' });
    assert.equal(await conn.fetchrow(`SELECT * FROM ${table} WHERE id = $1`, [9]), null);
    assert.equal(await conn.fetchval(`SELECT name FROM ${table} WHERE id = $1`, [9]), null);
    assert.deepEqual(await conn.execute(`UPDATE ${table} SET name = 'z' WHERE id > $1`, [1]), { command: 'UPDATE', rowCount: 2 });
  } finally {
    await conn.close();
  }
});

test('int8 beyond 2^53 fails loudly in number mode, and arrives exactly as bigint or string', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    const big = '9007199254740993';
    await assert.rejects(conn.fetchval(`SELECT ${big}::int8`), TypeConversionError);
    assert.equal(await conn.fetchval(`SELECT ${big}::int8`, [], { int8: 'bigint' }), 9007199254740993n);
    assert.equal(await conn.fetchval(`SELECT ${big}::int8`, [], { int8: 'string' }), big);
    assert.equal(await conn.fetchval('SELECT 9007199254740991::int8'), 9007199254740991);
  } finally {
    await conn.close();
  }
});

test('Picodata result types decode to JavaScript values', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  try {
    const row = await conn.fetchrow<Record<string, unknown>>(
      `SELECT 1.5::float8 AS f, 12.30::numeric AS n, true AS b, 'a1c0f7e2-59d4-4c6b-8d0e-2f3a4b5c6d7e'::uuid AS u,
              timestamptz '2024-01-02 03:04:05.678+00' AS ts, '["Online",1]'::json AS j, ARRAY[1,2,NULL]::int8[] AS arr`,
    );
    assert.deepEqual(row, {
      f: 1.5,
      n: '12.30',
      b: true,
      u: 'a1c0f7e2-59d4-4c6b-8d0e-2f3a4b5c6d7e',
      ts: new Date('2024-01-02T03:04:05.678Z'),
      j: ['Online', 1],
      arr: [1, 2, null],
    });
  } finally {
    await conn.close();
  }
});

test('a connection whose backend is terminated fails its query with ConnectionError and says so once', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  const pid = await conn.fetchval<number>('SELECT pg_backend_pid()');
  const closed = new Promise<unknown>((resolve) => conn.once('close', resolve));
  const pending = assert.rejects(conn.fetchval('SELECT pg_sleep(10)'), (error: unknown) => {
    assert.ok(error instanceof ConnectionError, String(error));
    assert.equal(error.mayHaveReachedServer, true);
    assert.match(error.message, /terminating connection due to administrator command/);
    return true;
  });
  await standIn.sql(`SELECT pg_terminate_backend(${pid})`);
  await pending;
  await closed;
  assert.ok(conn.isClosed());
  await assert.rejects(conn.fetchval('SELECT 1'), (error: unknown) => {
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.mayHaveReachedServer, false);
    return true;
  });
});

test('close() lets queries in flight finish, then closes the socket', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  const slow = conn.fetchval('SELECT pg_sleep(0.2)::text || $1', ['done']);
  const closing = conn.close();
  await assert.rejects(conn.fetchval('SELECT 1'), ConnectionError, 'no new query once closing');
  assert.equal(await slow, 'done');
  await closing;
  assert.ok(conn.isClosed());
});

test('destroy() fails queries in flight at once with an outcome-unknown error', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'disable' });
  const slow = conn.fetchval('SELECT pg_sleep(5)');
  await new Promise((r) => setTimeout(r, 20));
  conn.destroy();
  await assert.rejects(slow, (error: unknown) => {
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.mayHaveReachedServer, true);
    return true;
  });
});

test('connections reading large results at the same time each get their own bytes', async () => {
  // Plain TCP connections share one read buffer: a result split across many reads must still arrive whole
  // and unmixed on each connection.
  const conns = await Promise.all([1, 2, 3].map(() => Connection.connect({ ...target(), ssl: 'disable' })));
  try {
    const sql = "SELECT i, repeat(chr(64 + $1::int), 500) || i::text AS s FROM generate_series(1, 2000) AS i";
    const results = await Promise.all(conns.map((conn, k) => conn.fetch<{ i: number; s: string }>(sql, [k + 1])));
    results.forEach((rows, k) => {
      assert.equal(rows.length, 2000);
      const letter = String.fromCharCode(65 + k);
      rows.forEach((row, j) => {
        assert.equal(row.i, j + 1);
        assert.equal(row.s, letter.repeat(500) + String(j + 1));
      });
    });
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
});

test('util.inspect shows the address, state and in-flight count, never the password', async () => {
  const { inspect } = await import('node:util');
  const options = { ...target(), ssl: 'disable' as const };
  const conn = await Connection.connect(options);
  try {
    const pending = conn.fetchval('SELECT 1');
    const shown = inspect(conn, { depth: 5, showHidden: true });
    assert.equal(shown, `Connection { address: '${conn.address}', state: 'ready', inFlight: 1 }`);
    assert.ok(!shown.includes(options.password!));
    assert.ok(!inspect({ nested: { conn } }, { depth: 10 }).includes(options.password!));
    await pending;
  } finally {
    await conn.close();
  }
  assert.match(inspect(conn), /state: 'closed', inFlight: 0/);
});
