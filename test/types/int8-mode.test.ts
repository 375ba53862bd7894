import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, TypeConversionError } from '../../src/errors.js';
import { int8Parser, int8ToBigInt, int8ToNumber, toInt8Mode } from '../../src/types/int8-mode.js';

const MAX = '9007199254740991';
const MIN = '-9007199254740991';

describe('int8ToNumber', () => {
  it('reads small values on the short path', () => {
    assert.equal(int8ToNumber('0'), 0);
    assert.equal(int8ToNumber('-1'), -1);
    assert.equal(int8ToNumber('999999999999999'), 999999999999999); // 15 digits
    assert.equal(int8ToNumber('-99999999999999'), -99999999999999);
  });

  it('reads values up to ±MAX_SAFE_INTEGER exactly', () => {
    assert.equal(int8ToNumber(MAX), Number.MAX_SAFE_INTEGER);
    assert.equal(int8ToNumber(MIN), Number.MIN_SAFE_INTEGER);
    assert.equal(int8ToNumber('1000000000000000'), 1e15); // 16 digits, safe
    assert.equal(int8ToNumber('-999999999999999'), -999999999999999); // 16 chars with sign
  });

  it('throws one beyond, in both directions, and at the int8 limits', () => {
    for (const text of ['9007199254740992', '-9007199254740992', '9007199254740993', '9223372036854775807', '-9223372036854775808']) {
      assert.throws(
        () => int8ToNumber(text),
        (e: unknown) =>
          e instanceof TypeConversionError &&
          e.code === 'ERR_PICOTS_TYPE' &&
          e.message.includes(text) &&
          e.message.includes("int8: 'bigint'") &&
          e.message.includes("int8: 'string'"),
        text,
      );
    }
  });
});

describe('int8 modes', () => {
  it('bigint mode is exact over the whole range', () => {
    assert.equal(int8ToBigInt('9223372036854775807'), 9223372036854775807n);
    assert.equal(int8ToBigInt('-9223372036854775808'), -9223372036854775808n);
    assert.equal(int8ToBigInt('9007199254740992'), 9007199254740992n);
    assert.equal(int8ToBigInt('42'), 42n);
  });

  it('picks the parser per mode; string mode keeps the text', () => {
    assert.equal(int8Parser('number'), int8ToNumber);
    assert.equal(int8Parser('bigint'), int8ToBigInt);
    assert.equal(int8Parser('string'), undefined);
  });

  it('validates the option', () => {
    assert.equal(toInt8Mode(undefined), 'number');
    assert.equal(toInt8Mode('bigint'), 'bigint');
    assert.equal(toInt8Mode('string'), 'string');
    assert.throws(() => toInt8Mode('BigInt'), (e: unknown) => e instanceof ConfigError && e.option === 'int8');
    assert.throws(() => toInt8Mode(1), ConfigError);
  });
});
