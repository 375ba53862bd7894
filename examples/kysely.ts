/**
 * Kysely on Picodata through picots: typed queries on the shared, balanced pool; a migration; and what
 * happens when code asks for a transaction.
 *
 * Run: PICOTS_DSN=postgresql://app:Secret123@127.0.0.1:4327 npx tsx examples/kysely.ts
 *
 * In an application the imports are `from 'picots'` and `from 'picots/kysely'`; this repository's examples
 * import the sources, so they typecheck without a build.
 */
import { Kysely, sql, type Generated } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { NoTransactionsError, OutcomeUnknownError, Pool } from '../src/index.js';
import { PicodataDialect } from '../src/kysely/index.js';

interface Database {
  warehouse: { id: number; city: string };
  item: { id: number; warehouse_id: number; name: string; stock: number; updated: Generated<Date> };
}

const migrations: Record<string, Migration> = {
  '2026_01_schema': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('warehouse').ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('city', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('item').ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('warehouse_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('stock', 'integer', (c) => c.notNull())
        .addColumn('updated', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('item').execute();
      await db.schema.dropTable('warehouse').execute();
    },
  },
};

const pool = new Pool({ dsn: process.env.PICOTS_DSN ?? 'postgresql://app:Secret123@127.0.0.1:4327', enableDiscovery: true });
// The dialect runs on the application's pool: db.destroy() leaves it open (pass { dsn, ... } instead to let
// the dialect own its pool).
const db = new Kysely<Database>({ dialect: new PicodataDialect({ pool }) });

try {
  // Reading _pico_table needs `GRANT READ ON TABLE _pico_table TO app`. No lock is taken: run migrations
  // from one process (a deploy step), not from every replica.
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  if (error) throw error;

  // Writes go out once: retried only when picots can prove they never reached the server.
  await db.insertInto('warehouse').values([{ id: 1, city: 'Oslo' }, { id: 2, city: 'Lima' }]).execute();
  const added = await db.insertInto('item')
    .values([{ id: 10, warehouse_id: 1, name: 'rope', stock: 4 }, { id: 11, warehouse_id: 2, name: 'lamp', stock: 0 }])
    .returning(['id', 'name'])
    .execute();
  console.log('added', added);

  // A select is sent as a read: if its instance dies mid-answer, it is retried on another.
  const inStock = await db.selectFrom('item')
    .innerJoin('warehouse', 'warehouse.id', 'item.warehouse_id')
    .select(['item.name', 'warehouse.city', 'item.stock'])
    .where('item.stock', '>', 0)
    .where('warehouse.city', 'in', ['Oslo', 'Lima'])
    .execute();
  console.log('in stock', inStock);

  const restocked = await db.updateTable('item').set({ stock: 5 }).where('stock', '=', 0).executeTakeFirstOrThrow();
  console.log('restocked', restocked.numUpdatedRows, 'items'); // a bigint, as Kysely reports it

  // Picodata has no transactions: this rejects before anything is sent, instead of "rolling back" nothing.
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('item').execute();
  }).catch((e: unknown) => {
    if (!(e instanceof NoTransactionsError)) throw e;
    console.log(e.code, '-', e.message);
  });
} catch (e) {
  // A write whose connection died after it was sent may or may not have been applied: say so, don't guess.
  if (e instanceof OutcomeUnknownError) console.error('outcome unknown on', e.instance, '-', e.message);
  throw e;
} finally {
  await db.destroy();
  await pool.close();
}
