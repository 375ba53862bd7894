/**
 * Drives every public query method of a Connection, a cluster Client and an acquired PoolConnection with
 * generated junk, interleaved with good statements. Every call must settle (resolve, or reject with an
 * Error), none may throw synchronously, the good statements must keep getting their own answers, and
 * every object must still work afterwards. Seeded and bounded, so a failure can be replayed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Client, Connection, PicotsError, type PoolConnection } from '../../src/index.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';

// Through the gateway: junk such as BEGIN must meet Picodata's behaviour (a no-op), not PostgreSQL's.
let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ instances: 3 });
});
after(() => cluster?.stop());

const METHODS = ['query', 'execute', 'fetch', 'fetchrow', 'fetchval', 'executemany'] as const;

/** Values a careless or hostile caller might pass anywhere. */
const junk = fc.oneof(
  fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
  fc.constantFrom(
    Symbol('s'), () => 1, NaN, Infinity, -1, 2 ** 53, 3e9, 2n ** 70n, new Date(NaN), '', '\0', 'SELECT 1\0', 'SELEC 1',
    'SELECT $1::int', 'SELECT $1::int8, $2::text', 'BEGIN', 'COPY t FROM STDIN', { text: 'SELECT 1' }, [[1, 2], [3]],
    Array.from({ length: 70_000 }, () => 1), new AbortController().signal, { timeout: -1 }, { timeout: 'soon' },
    { signal: {} }, { rowMode: 'table' }, { int8: 'float' }, { idempotent: 'yes' }, { readPreference: 'nearest' },
  ),
);

interface Queryable {
  query(...args: unknown[]): Promise<unknown>;
}

/** Calls `method` with junk; returns a promise that never rejects (the call's fate is checked here). */
function call(target: Queryable, method: (typeof METHODS)[number], args: unknown[]): Promise<void> {
  let result: unknown;
  try {
    result = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
  } catch (error) {
    assert.fail(`${method}(${describe(args)}) threw synchronously: ${String(error)}`);
  }
  assert.ok(result instanceof Promise, `${method} returned a promise`);
  return result.then(
    () => undefined,
    (error: unknown) => {
      assert.ok(error instanceof Error, `${method}(${describe(args)}) rejected with a non-Error: ${String(error)}`);
      // Anything the caller could have known is wrong must be a typed picots error, not a TypeError/RangeError.
      if (!(error instanceof PicotsError)) assert.fail(`${method}(${describe(args)}) rejected with an untyped ${error.name}: ${error.message}`);
    },
  );
}

function describe(args: unknown[]): string {
  return args.map((a) => {
    try {
      return typeof a === 'bigint' ? `${a}n` : typeof a === 'symbol' ? String(a) : JSON.stringify(a)?.slice(0, 60) ?? String(a);
    } catch {
      return Object.prototype.toString.call(a);
    }
  }).join(', ');
}

/** One round: junk calls and good calls in one tick, then a check that each good call got its own answer. */
async function round(target: Queryable, calls: Array<{ method: (typeof METHODS)[number]; args: unknown[] }>): Promise<void> {
  const good: Array<Promise<void>> = [];
  const bad: Array<Promise<void>> = [];
  calls.forEach((c, i) => {
    bad.push(call(target, c.method, c.args));
    good.push((target as unknown as { fetchval: (s: string, p: unknown[]) => Promise<unknown> }).fetchval('SELECT $1::int8 + 1', [i]).then((v) => {
      assert.equal(v, i + 1, 'a good statement next to junk gets its own answer');
    }));
  });
  await Promise.all([...good, ...bad]);
}

const callArb = fc.record({
  method: fc.constantFrom(...METHODS),
  args: fc.array(junk, { maxLength: 4 }),
});

const RUNS = 60;

test('junk through a Connection: every call settles with a typed error or a result, answers stay right', { timeout: 120_000 }, async () => {
  const conn = await Connection.connect(connectionOptions());
  try {
    await fc.assert(fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 8 }), (calls) => round(conn as unknown as Queryable, calls)), { numRuns: RUNS, seed: 2026_12_01, includeErrorInReport: true });
    assert.equal(await conn.fetchval('SELECT 1'), 1);
  } finally {
    conn.destroy();
  }
});

test('junk through a cluster Client and an acquired connection: nothing quarantined, both still work', { timeout: 120_000 }, async () => {
  const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 3 });
  const quarantined: string[] = [];
  client.on('instanceQuarantined', (i, e) => quarantined.push(`${i.address}: ${e.message}`));
  let held: PoolConnection | undefined;
  try {
    await client.connect();
    await fc.assert(fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 8 }), (calls) => round(client as unknown as Queryable, calls)), { numRuns: RUNS, seed: 2026_12_02, includeErrorInReport: true });
    held = await client.acquire();
    await fc.assert(fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 8 }), (calls) => round(held as unknown as Queryable, calls)), { numRuns: RUNS / 2, seed: 2026_12_03, includeErrorInReport: true });
    assert.equal(await held.fetchval('SELECT 2'), 2);
    held.release();
    held = undefined;
    assert.deepEqual(quarantined, []);
    assert.equal(await client.fetchval('SELECT 3'), 3);
  } finally {
    held?.release();
    await client.close();
  }
});

function connectionOptions() {
  const dsn = parseDsn(cluster.dsn('scram'));
  return { host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database, ssl: 'disable' as const };
}
