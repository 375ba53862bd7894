import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlOperation } from '../../src/tracing/sql-operation.js';
import { secretsIn } from './record-channels.js';

test('the operation is the first keyword, upper-cased, after whitespace, comments and parentheses', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['SELECT 1', 'SELECT'],
    ['select 1', 'SELECT'],
    ['  \n\tinsert into t values (1)', 'INSERT'],
    ['-- a comment\nUPDATE t SET a = 1', 'UPDATE'],
    ['/* one */ /* two */ delete from t', 'DELETE'],
    ['((SELECT 1))', 'SELECT'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'WITH'],
    ['CREATE TABLE t (a int)', 'CREATE'],
    ['VALUES (1)', 'VALUES'],
    ['select1 from t', undefined],
    ['sel_ect', undefined],
    ['$1', undefined],
    ['/* unterminated', undefined],
    ['-- only a comment', undefined],
    ['', undefined],
    [42, undefined],
    [null, undefined],
  ];
  for (const [sql, expected] of cases) assert.equal(sqlOperation(sql), expected, JSON.stringify(sql));
});

test('the secret finder of the tracing tests finds a secret in an error cause, a nested object and JSON', () => {
  const cause = new Error('login as app:Hunter2Secret failed');
  assert.deepEqual(secretsIn([{ error: new Error('outer', { cause }) }], ['Hunter2Secret']), ['Hunter2Secret']);
  assert.deepEqual(secretsIn([{ a: { b: { c: { d: { e: 'postgresql://x:y@h/db' } } } } }], ['postgresql://x:y@h/db']), ['postgresql://x:y@h/db']);
  assert.deepEqual(secretsIn([{ sql: 'SELECT 1' }], ['Hunter2Secret']), []);
});
