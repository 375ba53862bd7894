/**
 * Sync coalescing against the stand-in's gateway, which gives a pipeline window Picodata's semantics: every
 * Execute autocommits, and after an error the rest of the window is discarded up to its Sync. Statements
 * issued in one tick on one connection share a Sync; the outcome every caller sees, and what the table holds
 * afterwards, must be the same as with one Sync per statement (`syncCoalescing: false`).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ConfigError, ServerError } from '../../src/errors.js';
import { Connection } from '../../src/protocol/connection.js';
import { startCluster } from '../../src/testkit/index.js';

const cluster = await startCluster({ instances: 1 });
after(() => cluster.stop());

type Extra = { syncCoalescing?: boolean | 'auto'; statementCacheSize?: number };

function connectTo(address: string, extra: Extra): Promise<Connection> {
  const [host, port] = address.split(':') as [string, string];
  const { user, password } = cluster.users.scram;
  return Connection.connect({ host, port: Number(port), user, password, database: cluster.databases.current, ssl: 'disable', ...extra });
}

const viaGateway = (extra: Extra = {}): Promise<Connection> => connectTo(cluster.instance('i1').address, extra);
/** The PostgreSQL behind the gateway, without it: for set-up and checks, and for what PostgreSQL itself does. */
const direct = (extra: Extra = {}): Promise<Connection> => connectTo(cluster.instance('i1').backendAddress, extra);
const admin = await direct();
after(() => admin.close());

/** The Syncs and Executes the client sent in the gateway's newest session. */
function sentCounts(): { syncs: number; executes: number; discarded: number } {
  const messages = cluster.sessions('i1').at(-1)?.messages ?? [];
  return {
    syncs: messages.filter((m) => m.type === 'S').length,
    executes: messages.filter((m) => m.type === 'E').length,
    discarded: messages.filter((m) => m.discarded === true).length,
  };
}

/** What a caller saw: the value, or the SQLSTATE of a server error (anything else fails the test). */
function outcome(s: PromiseSettledResult<unknown>): string {
  if (s.status === 'fulfilled') return `ok ${JSON.stringify(s.value)}`;
  assert.ok(s.reason instanceof ServerError, `not a server error: ${String(s.reason)}`);
  return `error ${s.reason.code}`;
}

/** A small seeded generator (mulberry32), so a failing mix can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = (conn: Connection, table: string) => Promise<unknown>;

/** One random statement: most succeed; some fail at Bind, at Execute, or at Parse (named or unnamed). */
function randomOp(next: () => number, n: number): Op {
  const r = next();
  const id = 1 + Math.floor(next() * 12); // few ids: duplicates are frequent
  if (r < 0.3) return (c, t) => c.execute(`INSERT INTO ${t}_log (op) VALUES ($1)`, [n]).then((x) => x.rowCount);
  if (r < 0.55) return (c, t) => c.execute(`INSERT INTO ${t} (id) VALUES ($1)`, [id]).then((x) => x.rowCount);
  if (r < 0.65) return (c, t) => c.fetchval(`SELECT count(*)::int FROM ${t} WHERE id <= $1`, [id]);
  if (r < 0.72) return (c, t) => c.fetchval(`SELECT $1::int + 0 * (SELECT count(*) FROM ${t})`, ['not a number']);
  if (r < 0.8) return (c, t) => c.fetchval(`SELECT a FROM ${t}_missing WHERE a = $1`, [id]);
  if (r < 0.87) return (c, t) => c.execute(`INSERT INTO ${t}_log (op) VALUES ($1)`, [n], { prepare: false }).then((x) => x.rowCount);
  if (r < 0.93) return (c, t) => c.fetchval(`SELECT count(*)::int FROM ${t}_log`);
  return (c, t) => c.execute(`INSERT INTO ${t} (id) VALUES (${id})`).then((x) => x.rowCount);
}

async function createTables(table: string): Promise<void> {
  await admin.execute(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  await admin.execute(`CREATE TABLE ${table}_log (seq bigserial PRIMARY KEY, op int NOT NULL)`);
}

/** Runs `ops`, all issued in one tick on `conn`, and returns what each caller saw and what the tables hold. */
async function runMix(conn: Connection, table: string, ops: readonly Op[]): Promise<{ outcomes: string[]; ids: number[]; log: number[] }> {
  const settled = await Promise.allSettled(ops.map((op) => op(conn, table)));
  const ids = (await admin.fetch<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
  const log = (await admin.fetch<{ op: number }>(`SELECT op FROM ${table}_log ORDER BY seq`)).map((r) => r.op);
  return { outcomes: settled.map(outcome), ids, log };
}

test('through the gateway (no BackendKeyData, as from Picodata) coalescing is on; directly on PostgreSQL it is off', async () => {
  const conn = await viaGateway();
  try {
    assert.equal(conn.syncCoalescing, true);
    assert.equal(admin.syncCoalescing, false);
    const before = sentCounts();
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.fetchval('SELECT $1::int', [i])));
    assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => i));
    const sent = sentCounts();
    assert.equal(sent.executes - before.executes, 20);
    assert.equal(sent.syncs - before.syncs, 1, 'twenty statements issued in one tick share one Sync');
  } finally {
    await conn.close();
  }
});

test('syncCoalescing is validated, and false gives one Sync per statement', async () => {
  for (const bad of ['yes', 1, 'on']) {
    await assert.rejects(viaGateway({ syncCoalescing: bad as never }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /syncCoalescing.*true, false or 'auto'/);
      return true;
    });
  }
  const conn = await viaGateway({ syncCoalescing: false });
  try {
    assert.equal(conn.syncCoalescing, false);
    const before = sentCounts();
    await Promise.all(Array.from({ length: 5 }, (_, i) => conn.fetchval('SELECT $1::int', [i])));
    assert.equal(sentCounts().syncs - before.syncs, 5);
  } finally {
    await conn.close();
  }
});

test('a statement failing mid-window: the ones before it are kept, the ones after it run exactly once, in order', async () => {
  const table = 'coalesce_mid';
  await createTables(table);
  const conn = await viaGateway();
  try {
    const before = sentCounts();
    const ops: Op[] = [1, 2, 1, 3, 4].map((id, n) => (c, t) => c.execute(`INSERT INTO ${t} (id) VALUES ($1)`, [id]).then(() => c.execute(`INSERT INTO ${t}_log (op) VALUES ($1)`, [n])).then(() => 'ok'));
    // Issued in one tick: the inserts share a window; the log inserts follow as each insert settles.
    const { outcomes, ids, log } = await runMix(conn, table, ops);
    assert.deepEqual(outcomes.map((o) => o.split(' ')[0]), ['ok', 'ok', 'error', 'ok', 'ok']);
    assert.deepEqual(ids, [1, 2, 3, 4]);
    assert.deepEqual(log.sort(), [0, 1, 3, 4]);
    const sent = sentCounts();
    assert.ok(sent.discarded - before.discarded > 0, 'the gateway discarded the rest of the window after the error');
    assert.ok(sent.syncs - before.syncs < sent.executes - before.executes, 'statements shared Syncs');
  } finally {
    await conn.close();
  }
});

test('random mixes: every caller sees what one Sync per statement gives, and the tables end up the same', { timeout: 60_000 }, async () => {
  const rounds = 24;
  let discarded = 0;
  let windows = 0;
  let statements = 0;
  for (let round = 0; round < rounds; round++) {
    const seed = 0x5eed + round;
    const next = random(seed);
    const count = 2 + Math.floor(next() * 60); // windows are at most 32 statements: some mixes take two or more
    const ops = Array.from({ length: count }, (_, n) => randomOp(next, n));
    const results = [];
    for (const coalesce of [true, false]) {
      const table = `coalesce_mix_${round}_${coalesce ? 'on' : 'off'}`;
      await createTables(table);
      // A small cache, so windows also carry Close for evicted statements.
      const conn = await viaGateway({ syncCoalescing: coalesce, statementCacheSize: 4 });
      try {
        const before = sentCounts();
        results.push(await runMix(conn, table, ops));
        assert.equal(conn.inFlight, 0);
        if (coalesce) {
          const sent = sentCounts();
          discarded += sent.discarded - before.discarded;
          windows += sent.syncs - before.syncs;
          statements += sent.executes - before.executes;
        }
        // The connection is still in step: a statement after the mix gets its own answer.
        assert.equal(await conn.fetchval('SELECT $1::int', [round]), round);
      } finally {
        await conn.close();
      }
    }
    assert.deepEqual(results[0], results[1], `seed ${seed}, ${count} statements`);
  }
  // The mixes did what they are for: windows of several statements, cut short by errors and sent again.
  assert.ok(discarded > rounds, `${discarded} messages discarded after errors`);
  assert.ok(windows * 2 < statements, `${statements} statements in ${windows} windows`);
});

test('named statements: a skipped Parse is sent again before the statements that use it', async () => {
  const table = 'coalesce_named';
  await createTables(table);
  const conn = await viaGateway();
  try {
    await conn.execute(`INSERT INTO ${table} (id) VALUES (1)`);
    const fresh = `SELECT id FROM ${table} WHERE id = $1`;
    const settled = await Promise.allSettled([
      conn.execute(`INSERT INTO ${table} (id) VALUES ($1)`, [1]), // fails: the rest of the window is skipped
      conn.fetchval(fresh, [1]), // carries the Parse of a new named statement
      conn.fetchval(fresh, [2]), // uses it without a Parse
      conn.fetchval(fresh, [1]),
    ]);
    assert.deepEqual(settled.map(outcome).map((o) => o.replace(/error \w+/, 'error')), ['error', 'ok 1', 'ok null', 'ok 1']);
    // The statement exists on the server: using it again needs no Parse and works.
    assert.equal(await conn.fetchval(fresh, [1]), 1);
  } finally {
    await conn.close();
  }
});

test('a Parse that fails in a window: every statement pipelined behind it with the same SQL gets that error', async () => {
  const conn = await viaGateway();
  try {
    const sql = 'SELECT a FROM coalesce_no_such_table WHERE a = $1';
    const settled = await Promise.allSettled([
      conn.fetchval('SELECT $1::int', [1]),
      conn.fetchval(sql, [1]),
      conn.fetchval(sql, [2]),
      conn.fetchval('SELECT $1::int', [2]),
      conn.fetchval(sql, [3]),
    ]);
    const outcomes = settled.map(outcome);
    assert.equal(outcomes[0], 'ok 1');
    assert.equal(outcomes[3], 'ok 2');
    assert.match(outcomes[1]!, /^error /);
    assert.equal(outcomes[2], outcomes[1]);
    assert.equal(outcomes[4], outcomes[1]);
    for (const i of [2, 4]) assert.equal((settled[i] as PromiseRejectedResult).reason, (settled[1] as PromiseRejectedResult).reason);
    // Nothing of it stays in the cache: the table appears, and the same SQL is prepared anew.
    await admin.execute('CREATE TABLE coalesce_no_such_table (a int)');
    await admin.execute('INSERT INTO coalesce_no_such_table VALUES (3)');
    assert.equal(await conn.fetchval(sql, [3]), 3);
  } finally {
    await conn.close();
  }
});
