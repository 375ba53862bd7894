import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParameterError, TypeConversionError } from '../../src/errors.js';
import { parseArrayLiteral } from '../../src/types/array-literal.js';
import { encodeParam, encodeParams } from '../../src/types/encode-param.js';
import { OID } from '../../src/types/oids.js';
import { getTextParser } from '../../src/types/text-parsers.js';

function rejects(value: unknown, message: RegExp, index = 0, valueType?: string): void {
  assert.throws(() => encodeParam(value, index), (e: unknown) => {
    assert.ok(e instanceof ParameterError, String(e));
    assert.ok(e instanceof TypeConversionError, 'a ParameterError is a TypeConversionError');
    assert.equal(e.code, 'ERR_PICOTS_PARAMETER');
    assert.equal(e.index, index);
    if (valueType !== undefined) assert.equal(e.valueType, valueType);
    assert.match(e.message, message);
    return true;
  });
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
    assert.equal(encodeParam([Buffer.from([1])], 0), '{"\\\\x01"}');
  });

  it('sends what toJSON() returns when it is a string', () => {
    class Decimal {
      constructor(private readonly text: string) {}
      toJSON(): string {
        return this.text;
      }
    }
    assert.equal(encodeParam(new Decimal('1.10'), 0), '1.10');
    assert.equal(encodeParam([new Decimal('2.5')], 0), '{2.5}');
    class Odd {
      toJSON(): unknown {
        return { x: 1 };
      }
    }
    rejects(new Odd(), /^parameter \$1: cannot send an object whose toJSON\(\) returns an object, not a string$/);
  });

  it('rejects plain objects: Picodata takes no json parameters', () => {
    rejects({ a: 1 }, /^parameter \$1: cannot send a plain object; .*JSON.stringify\(value\)/, 0, 'object (plain)');
    rejects(Object.assign(Object.create(null), { k: 1 }), /plain object/, 1, 'object (plain)');
    rejects([{ a: 1 }], /^an element of parameter \$1: cannot send a plain object/);
    rejects({ toJSON: () => ({ x: 1 }) }, /plain object/);
  });

  it('rejects bigints beyond int8', () => {
    assert.equal(encodeParam(-(2n ** 63n), 0), '-9223372036854775808');
    rejects(2n ** 63n, /^parameter \$1: cannot send a bigint beyond int8/, 0, 'bigint');
    rejects(-(2n ** 63n) - 1n, /bigint beyond int8/, 2, 'bigint');
    rejects([1n, 2n ** 64n], /^an element of parameter \$1: cannot send a bigint beyond int8/);
  });

  it('rejects arrays deeper than 6 dimensions and cyclic arrays, without overflowing the stack', () => {
    assert.equal(encodeParam([[[[[[1]]]]]], 0), '{{{{{{1}}}}}}');
    rejects([[[[[[[1]]]]]]], /nested deeper than 6 dimensions/, 0, 'array');
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    rejects(cyclic, /nested deeper than 6 dimensions .*or one that contains itself/, 3, 'array');
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    rejects(deep, /nested deeper/);
  });

  it('rejects values with no text form, naming the parameter', () => {
    rejects(() => 1, /^parameter \$1: cannot send a function$/);
    rejects(Symbol('s'), /^parameter \$2: cannot send a symbol$/, 1);
    rejects(new Map([[1, 2]]), /^parameter \$1: cannot send an object of class Map/);
    rejects(new Set(), /class Set/);
    rejects(new (class Point {})(), /class Point; convert it to a string first$/);
    rejects(new Int32Array(2), /^parameter \$1: cannot send a typed array \(Int32Array\); convert it with Array.from\(\)/);
    rejects([1, [() => 1]], /^an element of parameter \$1: cannot send a function$/);
    rejects([new Date(NaN)], /^an element of parameter \$1: cannot send an invalid Date$/);
  });
});

describe('encodeParams', () => {
  it('encodes every value, naming the failing position', () => {
    assert.deepEqual(encodeParams([1, 'a', null, [1, 2], new Date(0)]), ['1', 'a', null, '{1,2}', '1970-01-01T00:00:00.000Z']);
    assert.deepEqual(encodeParams([]), []);
    assert.throws(() => encodeParams([1, 2, Symbol.iterator]), /^ParameterError: parameter \$3: cannot send a symbol$/);
    const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } });
    assert.throws(() => encodeParams([1, hostile]), (e: unknown) => e instanceof ParameterError && e.index === 1 && /^parameter \$2: reading it threw trap$/.test(e.message));
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
    assert.deepEqual(roundTrip(OID.JSONB_ARRAY, docs.map((d) => (d === null ? null : JSON.stringify(d)))), docs);
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
