/** Which Kysely queries picots/kysely sends as reads, and the result shape it gives Kysely: pure, no server. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { isReadOnlyQuery, PicodataDialect, toKyselyResult } from '../../src/kysely/index.js';

interface Database {
  person: { id: number; name: string };
}

// Never connects: the pool opens sessions only when a statement runs.
const dialect = new PicodataDialect({ dsn: 'postgresql://app:Secret123@127.0.0.1:9/db' });
const db = new Kysely<Database>({ dialect });
after(() => db.destroy());

test('a select, with reading CTEs or set operations, is a read', () => {
  assert.equal(isReadOnlyQuery(db.selectFrom('person').selectAll().where('id', 'in', [1, 2]).toOperationNode()), true);
  const withRead = db.with('p', (q) => q.selectFrom('person').select('id')).selectFrom('p').selectAll();
  assert.equal(isReadOnlyQuery(withRead.toOperationNode()), true);
  const union = db.selectFrom('person').select('id').union(db.selectFrom('person').select('id'));
  assert.equal(isReadOnlyQuery(union.toOperationNode()), true);
});

test('writes, a select over a writing CTE, DDL and raw sql are not marked', () => {
  assert.equal(isReadOnlyQuery(db.insertInto('person').values({ id: 1, name: 'a' }).toOperationNode()), false);
  assert.equal(isReadOnlyQuery(db.updateTable('person').set({ name: 'b' }).toOperationNode()), false);
  assert.equal(isReadOnlyQuery(db.deleteFrom('person').toOperationNode()), false);
  const writingCte = db.with('gone', (q) => q.deleteFrom('person').returning('id')).selectFrom('gone').selectAll();
  assert.equal(isReadOnlyQuery(writingCte.toOperationNode()), false);
  assert.equal(isReadOnlyQuery(db.schema.createTable('t').addColumn('id', 'integer').toOperationNode()), false);
  assert.equal(isReadOnlyQuery(sql`SELECT 1`.toOperationNode()), false, 'raw sql is left to picots\' guess from the text');
});

test('numAffectedRows is a bigint for INSERT, UPDATE, DELETE and MERGE only', () => {
  const fields: never[] = [];
  assert.deepEqual(toKyselyResult({ command: 'INSERT', rowCount: 3, rows: [], fields }), { numAffectedRows: 3n, rows: [] });
  assert.deepEqual(toKyselyResult({ command: 'UPDATE', rowCount: 0, rows: [], fields }), { numAffectedRows: 0n, rows: [] });
  assert.deepEqual(toKyselyResult({ command: 'DELETE', rowCount: 1, rows: [{ id: 1 }], fields }), { numAffectedRows: 1n, rows: [{ id: 1 }] });
  assert.deepEqual(toKyselyResult({ command: 'MERGE', rowCount: 2, rows: [], fields }), { numAffectedRows: 2n, rows: [] });
  assert.deepEqual(toKyselyResult({ command: 'SELECT', rowCount: 1, rows: [{ a: 1 }], fields }), { rows: [{ a: 1 }] });
  assert.deepEqual(toKyselyResult({ command: 'CREATE', rowCount: 0, rows: [], fields }), { rows: [] });
});

test('the dialect compiles PostgreSQL SQL with $n parameters', () => {
  const compiled = db.selectFrom('person').select('name').where('id', 'in', [1, 2]).compile();
  assert.equal(compiled.sql, 'select "name" from "person" where "id" in ($1, $2)');
  assert.deepEqual(compiled.parameters, [1, 2]);
});
