// Compiled and run by scripts/check-package.ts in a scratch app that installed the packed tarball (with
// kysely and drizzle-orm, picots' optional peer dependencies): typed Kysely and drizzle queries through
// 'picots/kysely' and 'picots/drizzle' against a stand-in cluster from 'picots/testkit'.
import assert from 'node:assert/strict';
import { Kysely } from 'kysely';
import { eq } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { NoTransactionsError, PicotsError, Pool } from 'picots';
import { drizzle } from 'picots/drizzle';
import { PicodataDialect } from 'picots/kysely';
import { startCluster } from 'picots/testkit';

interface Database {
  item: { id: number; label: string };
}
const items = pgTable('item', { id: integer().primaryKey(), label: text().notNull() });

const cluster = await startCluster({ instances: 1, record: false });
try {
  const pool = new Pool({ dsn: cluster.dsn('scram'), maxSize: 2 });
  const db = new Kysely<Database>({ dialect: new PicodataDialect({ pool }) });
  await db.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('label', 'text', (c) => c.notNull()).execute();
  const inserted = await db.insertInto('item').values([{ id: 1, label: 'a' }, { id: 2, label: 'b' }]).executeTakeFirstOrThrow();
  assert.equal(inserted.numInsertedOrUpdatedRows, 2n);
  const rows: Array<{ label: string }> = await db.selectFrom('item').select('label').where('id', 'in', [2]).execute();
  assert.deepEqual(rows, [{ label: 'b' }]);
  await assert.rejects(db.transaction().execute(async () => 1), (e: unknown) => e instanceof NoTransactionsError && e instanceof PicotsError);

  const orm = drizzle(pool);
  const { rowCount } = await orm.update(items).set({ label: 'c' }).where(eq(items.id, 1));
  assert.equal(rowCount, 1);
  const labels: Array<{ label: string }> = await orm.select({ label: items.label }).from(items).where(eq(items.id, 1));
  assert.deepEqual(labels, [{ label: 'c' }]);
  await assert.rejects(orm.transaction(async () => 1), NoTransactionsError);

  await db.destroy();
  await pool.close();
} finally {
  await cluster.stop();
}
console.log('orm: picots/kysely and picots/drizzle ran typed queries against the stand-in');
