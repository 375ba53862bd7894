import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../src/protocol/connection.js';
import { validateQueryArgs } from '../../src/protocol/query-args.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { ConfigError, ParameterError, PicotsError, ServerError, TimeoutError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

function target() {
  const dsn = parseDsn(standIn.dsn('scram'));
  return { host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database, ssl: 'disable' as const };
}

const cyclic: unknown[] = [1];
cyclic.push(cyclic);

/** Calls no caller should be able to hurt anyone with; each must reject with this error class. */
const JUNK: ReadonlyArray<[string, (c: Connection) => Promise<unknown>, new (...args: never[]) => PicotsError]> = [
  ['sql is a number', (c) => c.query(42 as never), ConfigError],
  ['sql is null', (c) => c.query(null as never), ConfigError],
  ['sql is empty', (c) => c.query(''), ConfigError],
  ['sql has a NUL byte', (c) => c.query('SELECT 1\0'), ConfigError],
  ['params is an object', (c) => c.query('SELECT 1', { a: 1 } as never), ParameterError],
  ['params is a string', (c) => c.query('SELECT $1::text', 'abc' as never), ParameterError],
  ['params is null', (c) => c.query('SELECT 1', null as never), ParameterError],
  ['70000 params', (c) => c.query('SELECT 1', new Array(70_000).fill(1)), ParameterError],
  ['a symbol', (c) => c.query('SELECT $1::text', [Symbol('s')]), ParameterError],
  ['a function', (c) => c.query('SELECT $1::text', [() => 1]), ParameterError],
  ['a plain object', (c) => c.query('SELECT $1::text', [{ a: 1 }]), ParameterError],
  ['a bigint beyond int8', (c) => c.query('SELECT $1::int8', [2n ** 64n]), ParameterError],
  ['an invalid Date', (c) => c.query('SELECT $1::timestamptz', [new Date('nope')]), ParameterError],
  ['a cyclic array', (c) => c.query('SELECT $1::int8[]', [cyclic]), ParameterError],
  ['options is a string', (c) => c.query('SELECT 1', [], 'fast' as never), ConfigError],
  ['timeout -1', (c) => c.query('SELECT 1', [], { timeout: -1 }), ConfigError],
  ['timeout 3e9', (c) => c.query('SELECT 1', [], { timeout: 3e9 }), ConfigError],
  ['timeout NaN', (c) => c.query('SELECT 1', [], { timeout: NaN }), ConfigError],
  ['signal is not an AbortSignal', (c) => c.query('SELECT 1', [], { signal: {} as never }), ConfigError],
  ['rowMode unknown', (c) => c.query('SELECT 1', [], { rowMode: Object.create(null) as never }), ConfigError],
  ['fetchval with options null', (c) => c.fetchval('SELECT 1', [], null as never), ConfigError],
  ['executemany with a non-array', (c) => c.executemany('SELECT $1::int8', 'abc' as never), ParameterError],
  ['executemany with a non-array element', (c) => c.executemany('SELECT $1::int8', [[1], 2 as never]), ParameterError],
];

test('junk calls interleaved with good ones on one pipelined connection: each good caller gets its own answer', async () => {
  const conn = await Connection.connect(target());
  try {
    for (let round = 0; round < 3; round++) {
      const good: Array<Promise<unknown>> = [];
      const junk: Array<Promise<unknown>> = [];
      let n = 0;
      for (const [, call] of JUNK) {
        good.push(conn.fetchval('SELECT $1::int8 * 10', [n++]));
        let p: Promise<unknown> | undefined;
        assert.doesNotThrow(() => (p = call(conn)), 'a public method never throws synchronously');
        junk.push(p!);
        good.push(conn.fetchval('SELECT $1::int8 * 10', [n++]), conn.fetchrow('SELECT $1::text AS t', [`s${n++}`]));
      }
      const junkSettled = Promise.allSettled(junk);
      const goodResults = await Promise.all(good);
      const expected: unknown[] = [];
      for (let i = 0, k = 0; i < JUNK.length; i++, k += 3) expected.push(k * 10, (k + 1) * 10, { t: `s${k + 2}` });
      assert.deepEqual(goodResults, expected);
      const settled = await junkSettled;
      settled.forEach((s, i) => {
        const [name, , errorClass] = JUNK[i]!;
        assert.equal(s.status, 'rejected', name);
        const reason = (s as PromiseRejectedResult).reason as unknown;
        assert.ok(reason instanceof errorClass, `${name}: ${String(reason)}`);
      });
    }
    assert.equal(conn.inFlight, 0);
    assert.ok(conn.isReady());
    assert.equal(await conn.fetchval('SELECT 7'), 7);
  } finally {
    await conn.close();
  }
});

test('a ParameterError names the parameter, its type, and carries the ERR_PICOTS_PARAMETER code', async () => {
  const conn = await Connection.connect(target());
  try {
    await assert.rejects(conn.query('SELECT $1::text, $2::text', ['a', Symbol('x')]), (e: unknown) => {
      assert.ok(e instanceof ParameterError);
      assert.equal(e.code, 'ERR_PICOTS_PARAMETER');
      assert.equal(e.index, 1);
      assert.equal(e.valueType, 'symbol');
      assert.match(e.message, /parameter \$2: cannot send a symbol/);
      return true;
    });
    await assert.rejects(conn.query('SELECT 1', [], { timeout: 3e9 }), /timeout: must be a number of milliseconds from 0 to 2147483647, or Infinity, got 3000000000/);
  } finally {
    await conn.close();
  }
});

test('a cached statement with a known parameter count rejects a wrong count on the client; nothing reaches the server', async () => {
  const conn = await Connection.connect(target());
  try {
    const sql = 'SELECT $1::int8 + $2::int8 AS sum';
    // Unknown count yet: the server answers (08P01), a typed ServerError, and the connection carries on.
    const [first, second] = await Promise.allSettled([conn.fetchval(sql, [1]), conn.fetchval(sql, [1, 2])]);
    assert.equal(first.status, 'rejected');
    assert.ok((first as PromiseRejectedResult).reason instanceof ServerError);
    assert.deepEqual(second, { status: 'fulfilled', value: 3 });
    // Now the count is known: the client refuses, and neighbours are unaffected.
    const calls = [conn.fetchval(sql, [2, 3]), conn.fetchval(sql, [1]), conn.fetchval(sql, [1, 2, 3]), conn.fetchval(sql, [4, 5])];
    const settled = await Promise.allSettled(calls);
    assert.deepEqual(settled[0], { status: 'fulfilled', value: 5 });
    for (const s of [settled[1], settled[2]]) {
      assert.equal(s!.status, 'rejected');
      const reason = (s as PromiseRejectedResult).reason as unknown;
      assert.ok(reason instanceof ParameterError, String(reason));
      assert.match((reason as Error).message, /the statement takes 2 parameters, got [13]/);
    }
    assert.deepEqual(settled[3], { status: 'fulfilled', value: 9 });
  } finally {
    await conn.close();
  }
});

test('timeout 0 fails before anything is sent and leaves the connection usable', async () => {
  const conn = await Connection.connect(target());
  try {
    await assert.rejects(conn.query('SELECT 1', [], { timeout: 0 }), (e: unknown) => e instanceof TimeoutError && e.mayHaveReachedServer === false);
    assert.ok(conn.isReady());
    assert.equal(await conn.fetchval('SELECT 1', [], { timeout: Infinity }), 1);
  } finally {
    await conn.close();
  }
});

test('close() with a bad timeout rejects instead of throwing', async () => {
  const conn = await Connection.connect(target());
  try {
    let p: Promise<void> | undefined;
    assert.doesNotThrow(() => (p = conn.close('soon' as never)));
    await assert.rejects(p!, ConfigError);
    assert.ok(conn.isReady());
  } finally {
    await conn.close();
  }
});

test('validateQueryArgs checks shapes without a connection', () => {
  assert.doesNotThrow(() => validateQueryArgs('SELECT $1', [1], { timeout: 10, prepare: false, extra: true }));
  assert.doesNotThrow(() => validateQueryArgs('SELECT 1', undefined, undefined));
  assert.throws(() => validateQueryArgs('SELECT 1', new Array(65_536), undefined), ParameterError);
  assert.doesNotThrow(() => validateQueryArgs('SELECT 1', new Array(65_535), undefined));
  assert.throws(() => validateQueryArgs(Symbol('q'), [], undefined), /^ConfigError: sql: must be a non-empty string, got symbol$/);
});
