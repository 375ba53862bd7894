import assert from 'node:assert/strict';
import { test } from 'node:test';
import { picodataStatement } from '../../src/testkit/gateway/picodata-statements.js';

test('bare transaction statements are no-ops with Picodata\'s tags, whatever the case, spaces and semicolons', () => {
  const cases: Array<[string, string]> = [
    ['BEGIN', 'BEGIN'], ['begin;', 'BEGIN'], [' \n\tCommit ; ; ', 'COMMIT'], ['END', 'COMMIT'], ['rollback', 'ROLLBACK'],
  ];
  for (const [sql, tag] of cases) assert.deepEqual(picodataStatement(sql), { kind: 'no-op', tag }, JSON.stringify(sql));
});

test('SET in any form replies SET and changes nothing', () => {
  for (const sql of ['SET a = 1', 'set search_path TO x', 'SET TIME ZONE \'UTC\'', 'SET SESSION statement_timeout = 1']) {
    assert.deepEqual(picodataStatement(sql), { kind: 'no-op', tag: 'SET' }, sql);
  }
});

test('transaction words followed by more, and statements Picodata cannot parse, are parse errors at pest\'s position', () => {
  assert.deepEqual(picodataStatement('BEGIN WORK'), { kind: 'parse-error', at: 6, expected: 'EOF' });
  assert.equal((picodataStatement('COMMIT AND CHAIN') as { at: number }).at, 7);
  for (const sql of ['START TRANSACTION', '  savepoint a', 'RELEASE a', 'abort', 'COPY t FROM STDIN', 'SHOW x', 'reset all', 'DISCARD ALL', 'LISTEN c']) {
    const statement = picodataStatement(sql);
    assert.equal(statement?.kind, 'parse-error', sql);
    assert.equal((statement as { at: number }).at, sql.length - sql.trimStart().length, sql);
  }
});

test('everything else goes on to PostgreSQL', () => {
  for (const sql of ['SELECT 1', 'INSERT INTO t VALUES (1)', 'DO $$ BEGIN NULL; END $$', 'ending', 'begin_x', 'copy_table', '-- BEGIN', '', 'settle', 'SET']) {
    assert.equal(picodataStatement(sql), undefined, sql);
  }
});
