import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countStatements, statementStarts } from '../../src/testkit/gateway/statement-count.js';

test('one statement, with or without a trailing semicolon, is one', () => {
  for (const sql of ['SELECT 1', 'SELECT 1;', 'SELECT 1 ;  \n', '  SELECT 1; -- done', 'SELECT 1; /* c */ ;;']) {
    assert.equal(countStatements(sql), 1, sql);
  }
});

test('several statements are counted, with where each starts', () => {
  assert.deepEqual(statementStarts('SELECT 1; SELECT 2'), [0, 10]);
  assert.equal(countStatements('BEGIN; SELECT 1; COMMIT;'), 3);
  assert.equal(countStatements('SELECT 1;\n-- c\nSELECT 2'), 2);
});

test('semicolons inside quotes, dollar quotes and comments do not split', () => {
  const single = [
    "SELECT ';'",
    "SELECT 'it''s; fine'",
    "SELECT E'a\\'; b'",
    'SELECT 1 AS ";x"',
    'DO $$ BEGIN PERFORM 1; PERFORM 2; END $$',
    'SELECT $tag$ ; $$ ; $tag$',
    'SELECT 1 -- ; SELECT 2',
    'SELECT 1 /* ; /* nested ; */ still ; */',
    'SELECT $1; ',
    'SELECT a$b FROM t',
  ];
  for (const sql of single) assert.equal(countStatements(sql), 1, sql);
});

test('an empty query counts zero', () => {
  for (const sql of ['', '  ', ';', ' ; ; ', '-- only a comment', '/* c */']) assert.equal(countStatements(sql), 0, sql);
});

test('unterminated quotes end the text instead of throwing', () => {
  assert.equal(countStatements("SELECT 'abc; SELECT 2"), 1);
  assert.equal(countStatements('SELECT $$ ; '), 1);
});
