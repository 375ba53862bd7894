import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeConversionError } from '../../src/errors.js';
import { parseArrayLiteral } from '../../src/types/array-literal.js';
import { encodeParam, encodeParams } from '../../src/types/encode-param.js';
import { OID } from '../../src/types/oids.js';
import { getTextParser } from '../../src/types/text-parsers.js';

function rejects(value: unknown, message: RegExp, index = 0): void {
  assert.throws(() => encodeParam(value, index), (e: unknown) => e instanceof TypeConversionError && message.test(e.message));
}

describe('encodeParam', () => {
  it('encodes primitives', () => {
    assert.equal(encodeParam(null, 0), null);
    assert.equal(encodeParam(undefined, 0), null);
    assert.equal(encodeParam('', 0), '');
    assert.equal(encodeParam('a\\b"c', 0), 'a\\b"c');
    assert.equal(encodeParam(42, 0), '42');
    assert.equal(encodeParam(-1.5, 0), '-1.5');
    assert.equal(encodeParam(1e21, 0), '1e+21');
    assert.equal(encodeParam(NaN, 0), 'NaN');
    assert.equal(encodeParam(Infinity, 0), 'Infinity');
    assert.equal(encodeParam(-Infinity, 0), '-Infinity');
    assert.equal(encodeParam(-0, 0), '-0');
    assert.equal(encodeParam(0, 0), '0');
    assert.equal(encodeParam(9223372036854775807n, 0), '9223372036854775807');
    assert.equal(encodeParam(-5n, 0), '-5');
    assert.equal(encodeParam(true, 0), 'true');
    assert.equal(encodeParam(false, 0), 'false');
  });

  it('encodes Dates as ISO UTC', () => {
    assert.equal(encodeParam(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), 0), '2024-01-02T03:04:05.006Z');
    assert.equal(encodeParam(new Date(0), 0), '1970-01-01T00:00:00.000Z');
    rejects(new Date('nope'), /^parameter \$3: cannot send an invalid Date$/, 2);
  });

  it('encodes bytes as bytea hex', () => {
    assert.equal(encodeParam(Buffer.from([0, 1, 0xab, 0xff]), 0), '\\x0001abff');
    assert.equal(encodeParam(new Uint8Array([0xde, 0xad]), 0), '\\xdead');
    const view = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    assert.equal(encodeParam(view, 0), '\\x0203');
    assert.equal(encodeParam(new Uint8Array(0), 0), '\\x');
  });

  it('encodes arrays as array literals', () => {
    assert.equal(encodeParam([1, 2, 3], 0), '{1,2,3}');
    assert.equal(encodeParam([], 0), '{}');
    assert.equal(encodeParam([null, undefined, 'NULL', ''], 0), '{NULL,NULL,"NULL",""}');
    assert.equal(encodeParam([[1, 2], [3, null]], 0), '{{1,2},{3,NULL}}');
    assert.equal(encodeParam(['a b', 'say "hi"', 'c:\\d', 'x,y', '{z}'], 0), '{"a b","say \\"hi\\"","c:\\\\d","x,y","{z}"}');
    assert.equal(encodeParam([true, 1n, -0, NaN], 0), '{true,1,-0,NaN}');
    assert.equal(encodeParam([new Date(0)], 0), '{1970-01-01T00:00:00.000Z}');
    assert.equal(encodeParam([{ a: 1 }], 0), '{"{\\"a\\":1}"}');
    assert.equal(encodeParam([Buffer.from([1])], 0), '{"\\\\x01"}');
  });

  it('encodes plain objects and toJSON objects as JSON', () => {
    assert.equal(encodeParam({ a: [1, 'x'], b: null }, 0), '{"a":[1,"x"],"b":null}');
    assert.equal(encodeParam(Object.assign(Object.create(null), { k: 1 }), 0), '{"k":1}');
    class Decimal {
      constructor(private readonly text: string) {}
      toJSON(): string {
        return this.text;
      }
    }
    assert.equal(encodeParam(new Decimal('1.10'), 0), '1.10');
    assert.equal(encodeParam({ toJSON: () => ({ x: 1 }) }, 0), '{"x":1}');
  });

  it('rejects values with no text form, naming the parameter', () => {
    rejects(() => 1, /^parameter \$1: cannot send a function$/);
    rejects(Symbol('s'), /^parameter \$2: cannot send a symbol$/, 1);
    rejects(new Map([[1, 2]]), /^parameter \$1: cannot send an object of class Map/);
    rejects(new Set(), /class Set/);
    rejects(new (class Point {})(), /class Point; pass a plain object/);
    rejects(new Int32Array(2), /^parameter \$1: cannot send a typed array \(Int32Array\); convert it with Array.from\(\)/);
    rejects({ n: 1n }, /^parameter \$1: cannot send an object that JSON.stringify rejects/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    rejects(cyclic, /JSON.stringify rejects/);
    rejects([1, [() => 1]], /^an element of parameter \$1: cannot send a function$/);
    rejects([new Date(NaN)], /^an element of parameter \$1: cannot send an invalid Date$/);
  });
});

describe('encodeParams', () => {
  it('encodes every value, naming the failing position', () => {
    assert.deepEqual(encodeParams([1, 'a', null, [1, 2], new Date(0)]), ['1', 'a', null, '{1,2}', '1970-01-01T00:00:00.000Z']);
    assert.deepEqual(encodeParams([]), []);
    assert.throws(() => encodeParams([1, 2, Symbol.iterator]), /^TypeConversionError: parameter \$3: cannot send a symbol$/);
  });
});

describe('encode then parse round trips', () => {
  const roundTrip = (oid: number, value: unknown[]): unknown => getTextParser(oid, { int8: 'bigint' })!(encodeParam(value, 0)!);

  it('keeps arrays of text, numbers, bigints, booleans, dates and JSON', () => {
    const texts = ['plain', '', 'NULL', null, 'quote " and \\ backslash', '{}', ',', ' spaced ', 'tab\there', 'ünï 日本'];
    assert.deepEqual(roundTrip(OID.TEXT_ARRAY, texts), texts);
    assert.deepEqual(roundTrip(OID.TEXT_ARRAY, [['a', null], ['"', '\\']]), [['a', null], ['"', '\\']]);
    assert.deepEqual(roundTrip(OID.FLOAT8_ARRAY, [1.5, -0, Infinity, -Infinity, 1e-7, null]), [1.5, -0, Infinity, -Infinity, 1e-7, null]);
    assert.ok(Number.isNaN((roundTrip(OID.FLOAT8_ARRAY, [NaN]) as number[])[0]));
    assert.deepEqual(roundTrip(OID.INT8_ARRAY, [[1n, -9223372036854775808n], [3n, null]]), [[1n, -9223372036854775808n], [3n, null]]);
    assert.deepEqual(roundTrip(OID.BOOL_ARRAY, [true, false, null]), [true, false, null]);
    const dates = [new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)), null];
    assert.deepEqual(roundTrip(OID.TIMESTAMPTZ_ARRAY, dates), dates);
    const docs = [{ a: 'x "y"', b: [1, null] }, null, { c: '\\' }];
    assert.deepEqual(roundTrip(OID.JSONB_ARRAY, docs), docs);
    // A JS array inside an array is a dimension, never a JSON element.
    assert.equal(encodeParam([[1, 'two']], 0), '{{1,two}}');
  });

  it('keeps text arrays whatever the element content', () => {
    const chars = ['"', '\\', '{', '}', ',', ' ', '\t', '\n', 'a', 'N', 'U', 'L'];
    for (let seed = 1; seed <= 200; seed++) {
      let x = seed;
      const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
      const value = Array.from({ length: next() % 5 }, () => Array.from({ length: next() % 6 }, () => chars[next() % chars.length]).join(''));
      assert.deepEqual(parseArrayLiteral(encodeParam(value, 0)!), value, JSON.stringify(value));
    }
  });
});
