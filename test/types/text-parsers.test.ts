import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeConversionError } from '../../src/errors.js';
import type { Int8Mode } from '../../src/types/int8-mode.js';
import { OID } from '../../src/types/oids.js';
import { getTextParser } from '../../src/types/text-parsers.js';

function parse(oid: number, text: string, int8: Int8Mode = 'number'): unknown {
  const parser = getTextParser(oid, { int8 });
  return parser === undefined ? text : parser(text);
}

describe('getTextParser', () => {
  it('keeps strings for text-like types, numeric, uuid, date and unknown OIDs', () => {
    for (const oid of [OID.TEXT, OID.VARCHAR, OID.BPCHAR, OID.NAME, OID.NUMERIC, OID.UUID, OID.DATE, 17, 1083, 99999]) {
      assert.equal(getTextParser(oid, { int8: 'number' }), undefined, String(oid));
    }
    assert.equal(parse(OID.NUMERIC, '12345678901234567890.000000000001'), '12345678901234567890.000000000001');
    assert.equal(parse(OID.DATE, '2024-02-29'), '2024-02-29');
  });

  it('reads small integers', () => {
    assert.equal(parse(OID.INT2, '-32768'), -32768);
    assert.equal(parse(OID.INT4, '2147483647'), 2147483647);
    assert.equal(parse(OID.OID, '4294967295'), 4294967295);
  });

  it('reads int8 in each mode', () => {
    assert.equal(parse(OID.INT8, '9007199254740991'), 9007199254740991);
    assert.throws(() => parse(OID.INT8, '9007199254740992'), TypeConversionError);
    assert.equal(parse(OID.INT8, '9007199254740992', 'bigint'), 9007199254740992n);
    assert.equal(parse(OID.INT8, '-9007199254740992', 'string'), '-9007199254740992');
  });

  it('reads floats, special values and negative zero', () => {
    assert.equal(parse(OID.FLOAT8, '1.5'), 1.5);
    assert.equal(parse(OID.FLOAT8, '1e+300'), 1e300);
    assert.equal(parse(OID.FLOAT8, '1e-07'), 1e-7);
    assert.equal(parse(OID.FLOAT4, '3.4028235e+38'), 3.4028235e38);
    assert.ok(Number.isNaN(parse(OID.FLOAT8, 'NaN')));
    assert.equal(parse(OID.FLOAT8, 'Infinity'), Infinity);
    assert.equal(parse(OID.FLOAT8, '-Infinity'), -Infinity);
    assert.equal(parse(OID.FLOAT8, 'inf'), Infinity);
    assert.equal(parse(OID.FLOAT8, '-inf'), -Infinity);
    assert.ok(Object.is(parse(OID.FLOAT8, '-0'), -0));
    assert.throws(() => parse(OID.FLOAT8, 'abc'), TypeConversionError);
  });

  it('reads bool', () => {
    assert.equal(parse(OID.BOOL, 't'), true);
    assert.equal(parse(OID.BOOL, 'f'), false);
  });

  it('reads timestamptz and timestamp as Date', () => {
    assert.deepEqual(parse(OID.TIMESTAMPTZ, '2024-01-01 05:30:01.5+05:30'), new Date('2024-01-01T00:00:01.500Z'));
    assert.deepEqual(parse(OID.TIMESTAMP, '2024-01-01 00:00:01'), new Date('2024-01-01T00:00:01Z'));
  });

  it('reads json and jsonb', () => {
    assert.deepEqual(parse(OID.JSON, '["Online",1]'), ['Online', 1]);
    assert.deepEqual(parse(OID.JSONB, '{"a": {"b": null}}'), { a: { b: null } });
    assert.equal(parse(OID.JSON, '"s"'), 's');
  });

  it('reads arrays of every supported element type', () => {
    assert.deepEqual(parse(OID.INT2_ARRAY, '{1,NULL}'), [1, null]);
    assert.deepEqual(parse(OID.INT4_ARRAY, '{{1,2},{3,4}}'), [[1, 2], [3, 4]]);
    assert.deepEqual(parse(OID.INT8_ARRAY, '{1,9007199254740992}', 'bigint'), [1n, 9007199254740992n]);
    assert.deepEqual(parse(OID.INT8_ARRAY, '{1,9007199254740992}', 'string'), ['1', '9007199254740992']);
    assert.throws(() => parse(OID.INT8_ARRAY, '{1,9007199254740992}'), TypeConversionError);
    assert.deepEqual(parse(OID.TEXT_ARRAY, '{"a b",NULL,"NULL"}'), ['a b', null, 'NULL']);
    assert.deepEqual(parse(OID.VARCHAR_ARRAY, '{x}'), ['x']);
    assert.deepEqual(parse(OID.BOOL_ARRAY, '{t,f,NULL}'), [true, false, null]);
    const floats = parse(OID.FLOAT8_ARRAY, '{NaN,Infinity,-Infinity,-0,1.5}') as number[];
    assert.ok(Number.isNaN(floats[0]));
    assert.deepEqual(floats.slice(1), [Infinity, -Infinity, -0, 1.5]);
    assert.deepEqual(parse(OID.FLOAT4_ARRAY, '{1.5}'), [1.5]);
    assert.deepEqual(parse(OID.NUMERIC_ARRAY, '{1.10,NaN}'), ['1.10', 'NaN']);
    assert.deepEqual(parse(OID.UUID_ARRAY, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'), ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']);
    assert.deepEqual(parse(OID.TIMESTAMPTZ_ARRAY, '{"2020-01-01 00:00:00+00",NULL}'), [new Date('2020-01-01T00:00:00Z'), null]);
    assert.deepEqual(parse(OID.JSON_ARRAY, '{"{\\"a\\":1}",NULL,"[1]"}'), [{ a: 1 }, null, [1]]);
    assert.deepEqual(parse(OID.JSONB_ARRAY, '{"{\\"a\\": 1}"}'), [{ a: 1 }]);
    assert.deepEqual(parse(OID.DATE_ARRAY, '{2020-01-01}'), ['2020-01-01']);
  });
});
