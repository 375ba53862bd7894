/**
 * picots/drizzle against the stand-in behind the Picodata-faithful gateway: a pgTable with insert,
 * select, update and delete, `rowCount` on writes, the refused transaction, reads that fail over, and
 * the relational queries Picodata cannot run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DrizzleQueryError, asc, eq, inArray, relations, sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ConfigError, NoTransactionsError, OutcomeUnknownError, Pool, ServerError, type InstanceInfo, type RetryEvent } from '../../src/index.js';
import { drizzle, type PicotsDatabase } from '../../src/drizzle/index.js';
import { startCluster, unexpectedStatements, type Cluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';

const users = pgTable('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  city: text(),
});
const posts = pgTable('posts', {
  id: integer().primaryKey(),
  authorId: integer('author_id').notNull(),
  title: text().notNull(),
});
const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
const postsRelations = relations(posts, ({ one }) => ({ author: one(users, { fields: [posts.authorId], references: [users.id] }) }));
const schema = { users, posts, usersRelations, postsRelations };

let cluster: Cluster;
let pool: Pool;
let db: PicotsDatabase<typeof schema>;

before(async () => {
  cluster = await startCluster({ instances: 2 });
  pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4 });
  db = drizzle(pool, { schema });
  const created = await db.execute(sql`CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, city text)`);
  assert.equal(created.command, 'CREATE TABLE');
  await db.execute(sql`CREATE TABLE posts (id integer PRIMARY KEY, author_id integer NOT NULL, title text NOT NULL)`);
});

after(async () => {
  await pool?.close();
  await cluster?.stop();
});

test('insert reports rowCount; insert ... returning gives typed rows', async () => {
  const result = await db.insert(users).values([{ id: 1, name: 'Ada', city: 'London' }, { id: 2, name: 'Brian', city: null }]);
  assert.equal(result.command, 'INSERT');
  assert.equal(result.rowCount, 2);
  const returned: Array<{ id: number; name: string }> = await db.insert(users).values({ id: 3, name: 'Cleo', city: 'Oslo' }).returning({ id: users.id, name: users.name });
  assert.deepEqual(returned, [{ id: 3, name: 'Cleo' }]);
  await db.insert(posts).values([
    { id: 10, authorId: 1, title: 'Engines' },
    { id: 11, authorId: 1, title: 'Notes' },
    { id: 12, authorId: 3, title: 'Fjords' },
  ]);
});

test('select with where, in, order by, and a join whose columns share names', async () => {
  const rows = await db.select().from(users).where(inArray(users.id, [1, 3])).orderBy(asc(users.id));
  assert.deepEqual(rows, [{ id: 1, name: 'Ada', city: 'London' }, { id: 3, name: 'Cleo', city: 'Oslo' }]);
  // Picodata sends integers as int8; picots gives numbers (its default int8 mode).
  assert.equal(typeof rows[0]!.id, 'number');

  const joined = await db.select().from(posts).innerJoin(users, eq(users.id, posts.authorId)).where(eq(users.city, 'Oslo'));
  assert.deepEqual(joined, [{ posts: { id: 12, authorId: 3, title: 'Fjords' }, users: { id: 3, name: 'Cleo', city: 'Oslo' } }]);

  const left = await db.select({ name: users.name, title: posts.title }).from(users).leftJoin(posts, eq(posts.authorId, users.id)).where(eq(users.id, 2));
  assert.deepEqual(left, [{ name: 'Brian', title: null }]);
});

test('update and delete report rowCount; update ... returning gives the rows', async () => {
  const updated = await db.update(posts).set({ title: 'Untitled' }).where(eq(posts.authorId, 1));
  assert.equal(updated.rowCount, 2);
  const none = await db.update(posts).set({ title: 'x' }).where(eq(posts.id, -1));
  assert.equal(none.rowCount, 0);
  const renamed = await db.update(users).set({ city: 'Paris' }).where(eq(users.id, 2)).returning();
  assert.deepEqual(renamed, [{ id: 2, name: 'Brian', city: 'Paris' }]);
  await db.insert(users).values({ id: 99, name: 'Temp' });
  const deleted = await db.delete(users).where(eq(users.id, 99));
  assert.equal(deleted.rowCount, 1);
});

test('$count, db.execute(sql) and a prepared statement with placeholders', async () => {
  assert.equal(await db.$count(users), 3);
  const result = await db.execute<{ n: number }>(sql`SELECT count(*) AS n FROM posts WHERE author_id = ${1}`);
  assert.deepEqual(result.rows, [{ n: 2 }]);
  const byId = db.select({ name: users.name }).from(users).where(eq(users.id, sql.placeholder('id'))).prepare('user_by_id');
  assert.deepEqual(await byId.execute({ id: 3 }), [{ name: 'Cleo' }]);
  assert.deepEqual(await byId.execute({ id: 1 }), [{ name: 'Ada' }]);
});

test('a relational query without `with` works; `with` needs lateral joins and json functions Picodata lacks', async () => {
  const found = await db.query.users.findMany({ columns: { id: true, name: true }, where: eq(users.city, 'Oslo') });
  assert.deepEqual(found, [{ id: 3, name: 'Cleo' }]);
  const first = await db.query.users.findFirst({ where: eq(users.id, 1) });
  assert.deepEqual(first, { id: 1, name: 'Ada', city: 'London' });

  // drizzle builds `with` as a LEFT JOIN LATERAL over a subquery aggregated with json_agg/json_build_array.
  // The stand-in (PostgreSQL) would run it; Picodata has neither, so it fails there (see the README).
  const nested = db.query.users.findMany({ with: { posts: true } }).toSQL().sql;
  assert.match(nested, /left join lateral/i);
  assert.match(nested, /json_agg|json_build_array/i);
});

test('db.transaction() rejects with NoTransactionsError and sends nothing', async () => {
  cluster.clearSessions();
  let ran = false;
  await assert.rejects(
    db.transaction(async (tx) => {
      ran = true;
      await tx.insert(users).values({ id: 50, name: 'Never' });
    }),
    (e: unknown) => {
      assert.ok(e instanceof NoTransactionsError, String(e));
      assert.equal(e.code, 'ERR_PICOTS_NO_TRANSACTIONS');
      assert.equal(e.operation, 'drizzle transaction()');
      assert.match(e.message, /^Picodata has no transactions: /);
      return true;
    },
  );
  assert.equal(ran, false);
  assert.deepEqual(cluster.sessions().flatMap((s) => s.messages).filter((m) => m.sql !== undefined), [], 'not a statement was sent');
});

test('a server error is drizzle\'s DrizzleQueryError with picots\' ServerError as its cause', async () => {
  await assert.rejects(db.insert(users).values({ id: 1, name: 'Duplicate' }), (e: unknown) => {
    assert.ok(e instanceof DrizzleQueryError, String(e));
    assert.ok(e.cause instanceof ServerError, String(e.cause));
    return true;
  });
});

test('a select whose answer is lost is retried on another instance; an insert reports an unknown outcome', { timeout: 30_000 }, async () => {
  const firstI1 = (candidates: readonly InstanceInfo[]): InstanceInfo => candidates.find((c) => c.name === 'i1') ?? candidates[0]!;
  const failing = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 2, balanceStrategy: firstI1 });
  const fdb = drizzle(failing);
  const retries: RetryEvent[] = [];
  failing.on('retry', (r) => void retries.push(r));
  try {
    await failing.connect();
    cluster.cutNextResult('i1');
    assert.deepEqual(await fdb.select({ name: users.name }).from(users).where(eq(users.id, 1)), [{ name: 'Ada' }]);
    assert.equal(retries.length, 1, 'the select was retried once');

    const i1Healthy = () => failing.instances().some((i) => i.name === 'i1' && !i.quarantined);
    assert.ok(await eventually(i1Healthy, 10_000), 'i1 comes back');
    retries.length = 0;
    cluster.cutNextResult('i1');
    await assert.rejects(fdb.insert(users).values({ id: 70, name: 'Maybe' }), (e: unknown) => e instanceof DrizzleQueryError && e.cause instanceof OutcomeUnknownError);
    assert.equal(retries.length, 0, 'a write is not retried');
  } finally {
    await failing.close();
  }
});

test('drizzle() takes a picots Pool', () => {
  assert.throws(() => drizzle({} as Pool), (e: unknown) => e instanceof ConfigError && e.option === 'pool');
  assert.throws(() => drizzle(pool, null as never), (e: unknown) => e instanceof ConfigError && e.option === 'config');
});

test('nothing drizzle sent was a statement Picodata would not take', () => {
  assert.deepEqual(unexpectedStatements(cluster.sessions()), []);
});
