import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeConversionError } from '../../src/errors.js';
import { formatArrayLiteral, parseArrayLiteral, quoteArrayElement } from '../../src/types/array-literal.js';

const asText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

describe('parseArrayLiteral', () => {
  it('reads flat arrays, applying the element parser and keeping NULL', () => {
    assert.deepEqual(parseArrayLiteral('{1,2,NULL}', Number), [1, 2, null]);
    assert.deepEqual(parseArrayLiteral('{a,b}'), ['a', 'b']);
    assert.deepEqual(parseArrayLiteral('{}'), []);
    assert.deepEqual(parseArrayLiteral('{null,Null}'), [null, null]);
  });

  it('tells quoted "NULL" (a string) from NULL', () => {
    assert.deepEqual(parseArrayLiteral('{"NULL",NULL,"null"}'), ['NULL', null, 'null']);
  });

  it('reads quoted elements with escapes and special characters', () => {
    // PostgreSQL output of array['a"b', 'c\d', '', ' x', '{}', 'a,b']
    assert.deepEqual(parseArrayLiteral('{"a\\"b","c\\\\d",""," x","{}","a,b"}'), ['a"b', 'c\\d', '', ' x', '{}', 'a,b']);
    assert.deepEqual(parseArrayLiteral('{"\\\\x01"}'), ['\\x01']);
    assert.deepEqual(parseArrayLiteral('{"ends with \\\\"}'), ['ends with \\']);
    assert.deepEqual(parseArrayLiteral('{"é ü 日本"}'), ['é ü 日本']);
  });

  it('reads nested arrays', () => {
    assert.deepEqual(parseArrayLiteral('{{1,2},{3,4}}', Number), [[1, 2], [3, 4]]);
    assert.deepEqual(parseArrayLiteral('{{{1},{2}},{{3},{NULL}}}', Number), [[[1], [2]], [[3], [null]]]);
    assert.deepEqual(parseArrayLiteral('{{"a,b",NULL},{"}",c}}'), [['a,b', null], ['}', 'c']]);
    assert.deepEqual(parseArrayLiteral('{{},{}}'), [[], []]);
  });

  it('skips a dimension decoration', () => {
    assert.deepEqual(parseArrayLiteral('[0:1]={1,2}', Number), [1, 2]);
    assert.deepEqual(parseArrayLiteral('[0:1][1:2]={{1,2},{3,4}}', Number), [[1, 2], [3, 4]]);
  });

  it('accepts input-style whitespace and escapes in unquoted elements', () => {
    assert.deepEqual(parseArrayLiteral('{ 1 , 2 }', Number), [1, 2]);
    assert.deepEqual(parseArrayLiteral('{a\\,b,c}'), ['a,b', 'c']);
    assert.deepEqual(parseArrayLiteral('{N\\ULL}'), ['NULL']);
  });

  it('rejects malformed text', () => {
    for (const text of ['', '1,2', '{1,2', '{"abc}', '{1}x', '[1:2]{1,2}', '{{1}']) {
      assert.throws(() => parseArrayLiteral(text), TypeConversionError, text);
    }
  });
});

describe('formatArrayLiteral', () => {
  it('writes flat and nested arrays, NULL for null', () => {
    assert.equal(formatArrayLiteral([1, 2, null], asText), '{1,2,NULL}');
    assert.equal(formatArrayLiteral([[1, 2], [3, null]], asText), '{{1,2},{3,NULL}}');
    assert.equal(formatArrayLiteral([], asText), '{}');
    assert.equal(formatArrayLiteral([[], []], asText), '{{},{}}');
  });

  it('quotes only what needs quoting', () => {
    assert.equal(quoteArrayElement('abc'), 'abc');
    assert.equal(quoteArrayElement('2024-01-01T00:00:00.000Z'), '2024-01-01T00:00:00.000Z');
    assert.equal(quoteArrayElement(''), '""');
    assert.equal(quoteArrayElement('NULL'), '"NULL"');
    assert.equal(quoteArrayElement('nUlL'), '"nUlL"');
    assert.equal(quoteArrayElement('NULLS'), 'NULLS');
    assert.equal(quoteArrayElement('a b'), '"a b"');
    assert.equal(quoteArrayElement('a\tb'), '"a\tb"');
    assert.equal(quoteArrayElement('a,b'), '"a,b"');
    assert.equal(quoteArrayElement('{x}'), '"{x}"');
    assert.equal(quoteArrayElement('say "hi"'), '"say \\"hi\\""');
    assert.equal(quoteArrayElement('c:\\dir'), '"c:\\\\dir"');
  });

  it('round-trips through parseArrayLiteral', () => {
    const cases: unknown[][] = [
      ['plain', '', 'NULL', null, 'a "quoted" \\ back\\slash', '{braces}', 'comma,here', ' lead', 'trail ', '\n', 'ünï'],
      [['a', null], ['"', '\\']],
      [[[]]],
    ];
    for (const value of cases) {
      assert.deepEqual(parseArrayLiteral(formatArrayLiteral(value, asText)), value);
    }
  });
});
