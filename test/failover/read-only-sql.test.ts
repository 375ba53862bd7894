import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isReadOnlySql } from '../../src/failover/read-only-sql.js';

test('reads', () => {
  for (const sql of [
    'SELECT 1',
    'select * from t where a = $1',
    '  -- a comment\n SELECT a FROM t;',
    '/* a /* nested */ comment */ VALUES (1), (2)',
    '(SELECT 1) UNION ALL (SELECT 2)',
    'WITH x AS (SELECT a FROM t) SELECT * FROM x',
    "SELECT 'insert into t values (1)' AS s",
    "SELECT 'it''s; DELETE' FROM t",
    "SELECT E'\\' delete' FROM t",
    'SELECT "update", "delete" FROM t',
    'SELECT $$ drop table t $$',
    'SELECT $tag$ drop $$ table $tag$ FROM t',
    'SELECT a FROM t ORDER BY a LIMIT 10;  ',
    'SELECT a FROM t FOR SHARE',
    'SELECT pico_instance_uuid()',
  ]) assert.equal(isReadOnlySql(sql), true, sql);
});

test('not reads', () => {
  for (const sql of [
    '',
    '   ',
    '-- only a comment',
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1',
    'DELETE FROM t',
    'WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x',
    'WITH x AS (INSERT INTO t VALUES (1) RETURNING a) SELECT a FROM x',
    'SELECT * INTO t2 FROM t',
    'SELECT a FROM t FOR UPDATE',
    "SELECT nextval('s')",
    "SELECT set_config('a', 'b', false)",
    'SELECT 1; DELETE FROM t',
    'SELECT 1; SELECT 2',
    "SELECT 'unterminated",
    'SELECT "unterminated',
    'SELECT /* unterminated',
    'SELECT $$ unterminated',
    'CREATE TABLE t (a int primary key)',
    'EXPLAIN SELECT 1',
    'CALL p()',
    "DO $$ BEGIN INSERT INTO t VALUES (1); END $$",
    'BEGIN',
    'SET x = 1',
    'TABLE t',
  ]) assert.equal(isReadOnlySql(sql), false, sql);
});

test('parameters and numbers are not mistaken for dollar quotes', () => {
  assert.equal(isReadOnlySql('SELECT $1, $2::int, 1.5e3 FROM t WHERE b = $3'), true);
});
