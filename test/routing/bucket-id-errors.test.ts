import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketId, ConfigError, keyPart, ParameterError, type BucketIdOptions, type KeyPart } from '../../src/index.js';

function partError(fn: () => unknown, index: number | undefined, text: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ParameterError, `expected a ParameterError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_PICOTS_PARAMETER');
    assert.equal(error.index, index);
    assert.match(error.message, text);
    return true;
  });
}

function configError(fn: () => unknown, option: string, text: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.option, option);
    assert.match(error.message, text);
    return true;
  });
}

describe('bucketId: bad bucket counts and options', () => {
  it('rejects a zero, negative, fractional or non-number bucket count', () => {
    configError(() => bucketId(1, 0), 'bucketCount', /arbiter/);
    configError(() => bucketId(1, -1), 'bucketCount', /positive integer.*got -1/);
    configError(() => bucketId(1, 1.5), 'bucketCount', /got 1\.5/);
    configError(() => bucketId(1, Number.NaN), 'bucketCount', /got NaN/);
    configError(() => bucketId(1, '3000' as unknown as number), 'bucketCount', /got string/);
  });

  it('rejects options that are not an object and a non-boolean legacyDoubleHashing', () => {
    configError(() => bucketId(1, 3000, null as unknown as BucketIdOptions), 'options', /got null/);
    configError(() => bucketId(1, 3000, 'legacy' as unknown as BucketIdOptions), 'options', /got string/);
    configError(() => bucketId(1, 3000, { legacyDoubleHashing: 'yes' as unknown as boolean }), 'legacyDoubleHashing', /true or false/);
  });
});

describe('bucketId: bad key parts name the part', () => {
  it('rejects an empty key', () => {
    partError(() => bucketId([]), undefined, /no parts/);
  });

  it('rejects undefined (and holes), pointing to null', () => {
    partError(() => bucketId([1, undefined as unknown as KeyPart]), 1, /key part 1.*undefined.*null/);
    partError(() => bucketId([1, , 3] as unknown as KeyPart[]), 1, /key part 1/);
    partError(() => bucketId(undefined as unknown as KeyPart), 0, /key part 0/);
  });

  it('rejects values with no Picodata key type', () => {
    partError(() => bucketId(['a', Symbol('s') as unknown as KeyPart]), 1, /no Picodata key type/);
    partError(() => bucketId([{ a: 1 } as unknown as KeyPart]), 0, /no Picodata key type/);
    partError(() => bucketId([[1, 2] as unknown as KeyPart]), 0, /no Picodata key type/);
    partError(() => bucketId([() => 1 as unknown as KeyPart] as unknown as KeyPart[]), 0, /no Picodata key type/);
    partError(() => bucketId([Uint8Array.of(1) as unknown as KeyPart]), 0, /no Picodata key type/);
  });

  it('rejects integers beyond -2^63 .. 2^64-1, as numbers and as bigints', () => {
    partError(() => bucketId([1, 2 ** 64]), 1, /key part 1.*beyond.*keyPart\.double/);
    partError(() => bucketId(1e20), 0, /beyond/);
    partError(() => bucketId(-(2 ** 64)), 0, /beyond/);
    partError(() => bucketId(2n ** 64n), 0, /beyond the integer range/);
    partError(() => bucketId(-(2n ** 63n) - 1n), 0, /beyond the integer range/);
    assert.equal(typeof bucketId(2n ** 64n - 1n), 'number', 'the largest uint64 is fine');
    assert.equal(typeof bucketId(2 ** 63), 'number', '2^63 fits uint64');
  });

  it('rejects NaN and invalid Dates', () => {
    partError(() => bucketId(['x', Number.NaN]), 1, /NaN/);
    partError(() => bucketId([new Date('nope')]), 0, /invalid Date/);
  });

  it('says what was passed without dumping objects', () => {
    partError(() => bucketId([new Map([['secret', 'x']]) as unknown as KeyPart]), 0, /type Map/);
    assert.throws(() => bucketId([new Map([['secret', 'x']]) as unknown as KeyPart]), (e: Error) => !e.message.includes('secret'));
  });
});

describe('keyPart wrappers reject bad input when made', () => {
  it('uuid', () => {
    partError(() => keyPart.uuid('9035910e83424460'), undefined, /keyPart\.uuid: expected a uuid/);
    partError(() => keyPart.uuid('9035910e-8342-4460-8c25-25e5f10d987g'), undefined, /keyPart\.uuid/);
    partError(() => keyPart.uuid(42 as unknown as string), undefined, /got 42/);
  });

  it('decimal', () => {
    partError(() => keyPart.decimal('abc'), undefined, /is not a decimal number/);
    partError(() => keyPart.decimal('1e'), undefined, /is not a decimal number/);
    partError(() => keyPart.decimal('NaN'), undefined, /is not a decimal number/);
    partError(() => keyPart.decimal(' 1'), undefined, /is not a decimal number/);
    partError(() => keyPart.decimal('1'.repeat(39)), undefined, /39 significant digits/);
    partError(() => keyPart.decimal('1E+38'), undefined, /too large/);
    partError(() => keyPart.decimal(`0.${'0'.repeat(74)}1`), undefined, /too many digits after the point/);
    partError(() => keyPart.decimal(1 as unknown as string), undefined, /as a string/);
    // The limits themselves are fine: 38 digits, 38 digits before the point.
    assert.equal(keyPart.decimal('9'.repeat(38)).type, 'decimal');
    assert.equal(keyPart.decimal('1E+37').type, 'decimal');
  });

  it('double', () => {
    partError(() => keyPart.double(Number.NaN), undefined, /NaN/);
    partError(() => keyPart.double('1' as unknown as number), undefined, /keyPart\.double/);
  });

  it('datetime', () => {
    partError(() => keyPart.datetime(new Date(Number.NaN)), undefined, /a valid Date/);
    partError(() => keyPart.datetime(new Date(0), 900), undefined, /offsetMinutes.*-720 to 840.*900/);
    partError(() => keyPart.datetime(new Date(0), 1.5), undefined, /offsetMinutes/);
  });
});
