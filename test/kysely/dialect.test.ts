/**
 * picots/kysely against the stand-in behind the Picodata-faithful gateway: typed Kysely queries, a
 * migration with Kysely's Migrator, the refused transaction, and reads that fail over.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kysely, sql, type Generated } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { ConfigError, NoTransactionsError, OutcomeUnknownError, PicotsError, Pool, type InstanceInfo, type RetryEvent } from '../../src/index.js';
import { PicodataDialect } from '../../src/kysely/index.js';
import { startCluster, unexpectedStatements, type Cluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';
import { addPicoTableView } from './pico-table-view.js';

interface Database {
  person: { id: number; name: string; age: number | null };
  pet: { id: number; owner_id: number; name: string; species: string };
  toy: { id: Generated<number>; label: string };
}

let cluster: Cluster;
let pool: Pool;
let db: Kysely<Database>;

before(async () => {
  cluster = await startCluster({ instances: 2 });
  await addPicoTableView(cluster);
  pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4 });
  db = new Kysely<Database>({ dialect: new PicodataDialect({ pool }) });
  await db.schema.createTable('person')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('age', 'integer')
    .execute();
  await db.schema.createTable('pet')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('owner_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('species', 'text', (c) => c.notNull())
    .execute();
});

after(async () => {
  await db?.destroy();
  await pool?.close();
  await cluster?.stop();
});

test('insert ... returning, then a typed select with where and order by', async () => {
  const inserted = await db.insertInto('person')
    .values([{ id: 1, name: 'Ada', age: 36 }, { id: 2, name: 'Brian', age: null }, { id: 3, name: 'Cleo', age: 29 }])
    .returning(['id', 'name'])
    .execute();
  assert.deepEqual(inserted, [{ id: 1, name: 'Ada' }, { id: 2, name: 'Brian' }, { id: 3, name: 'Cleo' }]);

  const adults: Array<{ name: string; age: number | null }> = await db.selectFrom('person')
    .select(['name', 'age'])
    .where('age', '>', 30)
    .orderBy('id')
    .execute();
  assert.deepEqual(adults, [{ name: 'Ada', age: 36 }]);
  // Picodata sends every integer as int8; picots turns it into a number (its default int8 mode).
  assert.equal(typeof adults[0]!.age, 'number');
});

test('numAffectedRows: insert, update and delete report how many rows they wrote', async () => {
  const insert = await db.insertInto('pet').values([
    { id: 10, owner_id: 1, name: 'Rex', species: 'dog' },
    { id: 11, owner_id: 1, name: 'Tom', species: 'cat' },
    { id: 12, owner_id: 3, name: 'Kiwi', species: 'bird' },
    { id: 13, owner_id: 3, name: 'Spot', species: 'dog' },
  ]).executeTakeFirstOrThrow();
  assert.equal(insert.numInsertedOrUpdatedRows, 4n);

  const update = await db.updateTable('pet').set({ species: 'hound' }).where('species', '=', 'dog').executeTakeFirstOrThrow();
  assert.equal(update.numUpdatedRows, 2n);

  const none = await db.updateTable('pet').set({ name: 'x' }).where('id', '=', -1).executeTakeFirstOrThrow();
  assert.equal(none.numUpdatedRows, 0n);

  const deleted = await db.deleteFrom('pet').where('id', '=', 13).executeTakeFirstOrThrow();
  assert.equal(deleted.numDeletedRows, 1n);
});

test('update ... returning and delete ... returning give the rows', async () => {
  const renamed = await db.updateTable('person').set({ age: 37 }).where('id', '=', 1).returning(['id', 'age']).execute();
  assert.deepEqual(renamed, [{ id: 1, age: 37 }]);
  await db.insertInto('person').values({ id: 99, name: 'Temp', age: 1 }).execute();
  const gone = await db.deleteFrom('person').where('id', '=', 99).returningAll().executeTakeFirst();
  assert.deepEqual(gone, { id: 99, name: 'Temp', age: 1 });
});

test('a join with where ... in', async () => {
  const rows = await db.selectFrom('pet')
    .innerJoin('person', 'person.id', 'pet.owner_id')
    .select(['person.name as owner', 'pet.name as pet'])
    .where('pet.species', 'in', ['cat', 'bird'])
    .orderBy('pet.id')
    .execute();
  assert.deepEqual(rows, [{ owner: 'Ada', pet: 'Tom' }, { owner: 'Cleo', pet: 'Kiwi' }]);
});

test('raw sql, typed, with parameters', async () => {
  const { rows } = await sql<{ n: number; greeting: string }>`SELECT count(*) AS n, ${'hi'}::text AS greeting FROM person WHERE age IS NOT NULL`.execute(db);
  assert.deepEqual(rows, [{ n: 2, greeting: 'hi' }]);
  const deleted = await sql`DELETE FROM pet WHERE id = ${-5}`.execute(db);
  assert.equal(deleted.numAffectedRows, 0n);
});

test('stream() yields every row, in chunks', async () => {
  const seen: string[] = [];
  for await (const row of db.selectFrom('person').select('name').orderBy('id').stream(2)) seen.push(row.name);
  assert.deepEqual(seen, ['Ada', 'Brian', 'Cleo']);
});

test('a migration with Kysely\'s Migrator runs up and down, without transactions or locks', async () => {
  const migrations: Record<string, Migration> = {
    '0001_toy': {
      up: async (m: Kysely<any>) => {
        await m.schema.createTable('toy').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('label', 'text', (c) => c.notNull()).execute();
      },
      down: async (m: Kysely<any>) => {
        await m.schema.dropTable('toy').execute();
      },
    },
    '0002_toy_rows': {
      up: async (m: Kysely<any>) => {
        await m.insertInto('toy').values([{ id: 1, label: 'ball' }, { id: 2, label: 'kite' }]).execute();
      },
      down: async (m: Kysely<any>) => {
        await m.deleteFrom('toy').execute();
      },
    },
  };
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  cluster.clearSessions();
  const up = await migrator.migrateToLatest();
  assert.equal(up.error, undefined, String(up.error));
  assert.deepEqual(up.results?.map((r) => [r.migrationName, r.status]), [['0001_toy', 'Success'], ['0002_toy_rows', 'Success']]);
  assert.deepEqual(await db.selectFrom('toy').select('label').orderBy('id').execute(), [{ label: 'ball' }, { label: 'kite' }]);
  assert.deepEqual(unexpectedStatements(cluster.sessions()), [], 'no BEGIN, no advisory lock, no catalog query reached the server');
  assert.ok(!cluster.sessions().some((s) => s.messages.some((m) => /advisory/i.test(m.sql ?? ''))));

  const again = await migrator.migrateToLatest();
  assert.deepEqual(again.results, [], 'nothing left to run');

  const tables = (await db.introspection.getTables()).map((t) => t.name);
  assert.ok(tables.includes('toy') && tables.includes('person'), tables.join(','));
  assert.ok(!tables.some((t) => t.startsWith('_pico_') || t.startsWith('kysely_')), `system and migration tables are hidden: ${tables.join(',')}`);
  const toy = (await db.introspection.getTables()).find((t) => t.name === 'toy')!;
  assert.deepEqual(toy.columns.map((c) => [c.name, c.isNullable]), [['id', false], ['label', false]], 'bucket_id is not a column of the application');

  const down = await migrator.migrateTo('0001_toy');
  assert.deepEqual(down.results?.map((r) => [r.migrationName, r.direction, r.status]), [['0002_toy_rows', 'Down', 'Success']]);
  assert.equal((await db.selectFrom('toy').selectAll().execute()).length, 0);
});

test('db.transaction() rejects with NoTransactionsError and sends nothing', async () => {
  cluster.clearSessions();
  let ran = false;
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      ran = true;
      await trx.insertInto('person').values({ id: 50, name: 'Never', age: 1 }).execute();
    }),
    (e: unknown) => {
      assert.ok(e instanceof NoTransactionsError && e instanceof PicotsError, String(e));
      assert.equal(e.code, 'ERR_PICOTS_NO_TRANSACTIONS');
      assert.equal(e.operation, 'kysely transaction()');
      assert.match(e.message, /^Picodata has no transactions: /);
      return true;
    },
  );
  assert.equal(ran, false, 'the callback never ran');
  await assert.rejects(db.startTransaction().execute(), NoTransactionsError);
  await assert.rejects(db.transaction().setIsolationLevel('serializable').execute(async () => 1), NoTransactionsError);
  assert.equal(await db.selectFrom('person').where('id', '=', 50).select('id').executeTakeFirst(), undefined);
  const sent = cluster.sessions().flatMap((s) => s.messages).map((m) => m.sql).filter((s) => s !== undefined);
  assert.ok(!sent.some((s) => /\b(begin|start transaction|commit|rollback)\b/i.test(s)), sent.join(' | '));
});

test('a select whose answer is lost is retried on another instance; an insert reports an unknown outcome', { timeout: 30_000 }, async () => {
  // Its own pool, which sends to i1 while i1 is healthy: the lost answer is always i1's.
  const firstI1 = (candidates: readonly InstanceInfo[]): InstanceInfo => candidates.find((c) => c.name === 'i1') ?? candidates[0]!;
  const failing = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 2, balanceStrategy: firstI1 });
  const fdb = new Kysely<Database>({ dialect: new PicodataDialect({ pool: failing }) });
  const retries: RetryEvent[] = [];
  failing.on('retry', (r) => void retries.push(r));
  try {
    await failing.connect();
    cluster.cutNextResult('i1');
    const rows = await fdb.selectFrom('person').select('name').where('id', '=', 1).execute();
    assert.deepEqual(rows, [{ name: 'Ada' }]);
    assert.equal(retries.length, 1, 'the select was retried once');

    // Back to i1 once its health check passes, so that the write below goes there.
    const i1Healthy = () => failing.instances().some((i) => i.name === 'i1' && !i.quarantined);
    assert.ok(await eventually(i1Healthy, 10_000), 'i1 comes back');
    retries.length = 0;
    cluster.cutNextResult('i1');
    await assert.rejects(fdb.insertInto('person').values({ id: 70, name: 'Maybe', age: 2 }).execute(), OutcomeUnknownError);
    assert.equal(retries.length, 0, 'a write is not retried');
  } finally {
    await fdb.destroy();
    await failing.close();
  }
});

test('a dialect made from pool options closes its pool on destroy(); a given pool stays open', async () => {
  const dialect = new PicodataDialect({ dsn: cluster.dsn('scram'), maxSize: 1 });
  const own = new Kysely<Database>({ dialect });
  assert.equal((await own.selectFrom('person').select('id').where('id', '=', 3).executeTakeFirstOrThrow()).id, 3);
  await own.destroy();
  assert.equal(dialect.pool.isClosing(), true);

  const shared = new Kysely<Database>({ dialect: new PicodataDialect({ pool }) });
  await shared.selectFrom('person').select('id').execute();
  await shared.destroy();
  assert.equal(pool.isClosing(), false);
  assert.equal(await pool.fetchval('SELECT 1'), 1);
});

test('a bad dialect config is a ConfigError naming the option', () => {
  assert.throws(() => new PicodataDialect(undefined as never), (e: unknown) => e instanceof ConfigError && e.option === 'PicodataDialect');
  assert.throws(() => new PicodataDialect({ pool: {} as Pool }), (e: unknown) => e instanceof ConfigError && e.option === 'pool');
  assert.throws(() => new PicodataDialect({ pool, maxSize: 3 } as never), (e: unknown) => e instanceof ConfigError && e.option === 'maxSize');
  assert.throws(() => new PicodataDialect({ dsn: 'mysql://x' }), ConfigError);
});

test('nothing the dialect sent was a statement Picodata would not take', () => {
  assert.deepEqual(unexpectedStatements(cluster.sessions()), []);
});
