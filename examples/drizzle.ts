/**
 * Drizzle on Picodata through picots: a schema, typed queries with `rowCount` on writes, and the parts of
 * Drizzle that Picodata cannot run (transactions, relational queries with `with`).
 *
 * Run: PICOTS_DSN=postgresql://app:Secret123@127.0.0.1:4327 npx tsx examples/drizzle.ts
 *
 * In an application the imports are `from 'picots'` and `from 'picots/drizzle'`; this repository's examples
 * import the sources, so they typecheck without a build.
 */
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { NoTransactionsError, Pool } from '../src/index.js';
import { drizzle } from '../src/drizzle/index.js';

const accounts = pgTable('accounts', {
  id: integer().primaryKey(),
  owner: text().notNull(),
  balance: integer().notNull(),
});

const pool = new Pool({ dsn: process.env.PICOTS_DSN ?? 'postgresql://app:Secret123@127.0.0.1:4327', enableDiscovery: true });
const db = drizzle(pool, { schema: { accounts } });

try {
  await db.execute(sql`CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, owner text NOT NULL, balance integer NOT NULL)`);

  const inserted = await db.insert(accounts).values([{ id: 1, owner: 'ada', balance: 100 }, { id: 2, owner: 'bo', balance: 5 }]);
  console.log('inserted', inserted.rowCount);

  // Selects are sent as reads: retried on another instance if theirs dies mid-answer.
  const rich = await db.select({ owner: accounts.owner }).from(accounts).where(and(gt(accounts.balance, 10), inArray(accounts.id, [1, 2])));
  console.log('rich', rich);

  const { rowCount } = await db.update(accounts).set({ balance: sql`${accounts.balance} + 1` }).where(eq(accounts.owner, 'bo'));
  console.log('updated', rowCount);

  // Relational queries work without `with`; `with: { ... }` needs lateral joins and json_agg, which Picodata lacks.
  console.log(await db.query.accounts.findFirst({ where: eq(accounts.id, 1) }));

  // No transactions on Picodata: refused before anything is sent. A transfer must be written so that each
  // statement stands alone (or as one single-bucket DO block on Picodata 26.1.1+).
  await db.transaction(async (tx) => {
    await tx.update(accounts).set({ balance: 0 }).where(eq(accounts.id, 1));
  }).catch((e: unknown) => {
    if (!(e instanceof NoTransactionsError)) throw e;
    console.log(e.code);
  });
} finally {
  await pool.close(); // drizzle() never closes the pool: it is the application's
}
