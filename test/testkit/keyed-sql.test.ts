/** The gateway's reading of sharding-key values from SQL text, and of values into key parts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketId, keyPart } from '../../src/index.js';
import { keyPartFromParameter, keyPartFromText } from '../../src/testkit/gateway/key-values.js';
import { isDdl, keyedSql } from '../../src/testkit/gateway/keyed-sql.js';

const named = (sql: string) => {
  const found = keyedSql(sql);
  return found && { table: found.table, named: found.named && Object.fromEntries(found.named), positional: found.positional };
};

test('single-row INSERT with a column list: parameters, casts and literals', () => {
  assert.deepEqual(named('insert into T (c, a, g) values ($1::integer, $2, \'x\'\'y\') RETURNING *;'), {
    table: 't',
    named: { c: { kind: 'param', index: 1 }, a: { kind: 'param', index: 2 }, g: { kind: 'literal', text: "x'y" } },
    positional: undefined,
  });
  assert.deepEqual(named('INSERT INTO public."Kv" ("Id", v) VALUES (-5, NULL)')?.named, {
    Id: { kind: 'literal', text: '-5' }, v: { kind: 'literal', text: null },
  });
  assert.equal(named('INSERT INTO "Kv" (id) VALUES (1)')?.table, 'Kv');
});

test('INSERT without a column list is positional; expressions give no value', () => {
  assert.deepEqual(named('INSERT INTO t VALUES ($1, lower($2), 3.50)')?.positional, [
    { kind: 'param', index: 1 }, { kind: 'other' }, { kind: 'literal', text: '3.50' },
  ]);
});

test('no key from multi-row VALUES, INSERT ... SELECT, joins, OR, CTEs and other statements', () => {
  for (const sql of [
    'INSERT INTO t (a) VALUES ($1), ($2)',
    'INSERT INTO t (a) SELECT a FROM u WHERE a = $1',
    'SELECT * FROM t JOIN u ON t.a = u.a WHERE t.a = $1',
    'SELECT * FROM t, u WHERE a = $1',
    'SELECT * FROM t WHERE a = $1 OR a = $2',
    'WITH x AS (SELECT 1) SELECT * FROM t WHERE a = $1',
    'SELECT 1',
    'SELECT * FROM t',
    "SELECT * FROM t WHERE a = E'x'",
    'CREATE TABLE t (a int primary key)',
  ]) {
    const found = keyedSql(sql);
    assert.ok(found === undefined || found.named === undefined || found.named.size === 0, `${sql}: ${JSON.stringify(found)}`);
  }
});

test('SELECT, UPDATE and DELETE: equalities of a top-level AND chain, either side, qualified or not', () => {
  assert.deepEqual(named('SELECT v FROM kv k WHERE k.id = $1 AND $2::text = name AND v > 3 ORDER BY v LIMIT 1')?.named, {
    id: { kind: 'param', index: 1 }, name: { kind: 'param', index: 2 },
  });
  assert.deepEqual(named('UPDATE kv SET v = $1 WHERE id = $2')?.named, { id: { kind: 'param', index: 2 } });
  assert.deepEqual(named('DELETE FROM kv WHERE id = 7 AND (v = 1)')?.named, { id: { kind: 'literal', text: '7' } });
  assert.deepEqual(named('SELECT * FROM kv WHERE id = $1 + 1')?.named, {});
});

test('DDL is recognised, comments first included', () => {
  assert.equal(isDdl('  create table t (a int)'), true);
  assert.equal(isDdl('-- x\nALTER TABLE t ADD b int'), true);
  assert.equal(isDdl('/* y */ DROP TABLE t'), true);
  assert.equal(isDdl('SELECT 1'), false);
});

test('values become the key parts bucketId hashes, by the column type', () => {
  assert.equal(bucketId([keyPartFromText('bigint', '400') ?? null]), 590);
  assert.equal(bucketId([keyPartFromText('text', '2') ?? null, keyPartFromText('integer', '1') ?? null]), 2997);
  assert.equal(bucketId([keyPartFromText('numeric', '1.0') ?? null]), 712);
  assert.deepEqual(keyPartFromText('boolean', 't'), true);
  assert.deepEqual(keyPartFromText('uuid', '9035910E-8342-4460-8c25-25e5f10d9876'), keyPart.uuid('9035910E-8342-4460-8c25-25e5f10d9876'));
  assert.equal(bucketId([keyPartFromText('timestamp with time zone', '2025-06-10 12:10:08+00') ?? null]), 1012);
  assert.equal(bucketId([keyPartFromText('timestamp with time zone', '2025-06-10 15:10:08+03') ?? null]), 2820);
  assert.equal(bucketId([keyPartFromText('double precision', '1.5') ?? null]), 510);
  assert.equal(keyPartFromText('bigint', 'x'), undefined);
  assert.equal(keyPartFromText('json', '{}'), undefined);
  assert.equal(keyPartFromText('text', null), null);
  const int8 = Buffer.alloc(8);
  int8.writeBigInt64BE(400n);
  assert.equal(keyPartFromParameter('bigint', int8, 1), 400n);
  assert.equal(keyPartFromParameter('integer', Buffer.from('400'), 0), 400n);
  assert.equal(keyPartFromParameter('numeric', Buffer.alloc(8), 1), undefined);
});
