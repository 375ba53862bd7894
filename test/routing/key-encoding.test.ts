import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bucketId, keyHash, keyPart, murmur3x86_32, type KeyPart } from '../../src/index.js';
import { KeyEncoder } from '../../src/routing/key-encoder.js';

const hex = (...parts: KeyPart[]): string => {
  const encoder = new KeyEncoder();
  parts.forEach((part, i) => encoder.append(part, i, false));
  return Buffer.from(encoder.bytes.subarray(0, encoder.length)).toString('hex');
};

describe('key encodings', () => {
  it('decimals follow the ADR examples (doc/adr/2025-09-12-pgproto-query-metadata.md in picodata/picodata)', () => {
    assert.equal(hex(keyPart.decimal('12.34')), 'd6010201234c');
    assert.equal(hex(keyPart.decimal('-12.345')), 'd6010312345d');
    // "0.0000..10 (34 zeroes)": scale 36 (0x24), BCD 0x01 0x0c.
    assert.equal(hex(keyPart.decimal(`0.${'0'.repeat(34)}10`)), 'c7030124010c');
  });

  it('decimals keep trailing zeros and the exponent, and drop leading zeros', () => {
    assert.equal(hex(keyPart.decimal('1')), 'd501001c');
    assert.equal(hex(keyPart.decimal('1.0')), 'c7030101010c');
    assert.equal(hex(keyPart.decimal('1.00')), 'c7030102100c');
    assert.equal(hex(keyPart.decimal('007.50')), hex(keyPart.decimal('7.50')));
    assert.equal(hex(keyPart.decimal('+7.5')), hex(keyPart.decimal('7.5')));
    assert.equal(hex(keyPart.decimal('75E-1')), hex(keyPart.decimal('7.5')));
    assert.equal(hex(keyPart.decimal('.5')), hex(keyPart.decimal('0.5')));
    assert.equal(hex(keyPart.decimal('0.000')), 'd501030c');
    assert.notEqual(bucketId(keyPart.decimal('1.00')), bucketId(keyPart.decimal('1.0')));
  });

  it('a Date before 1970 keeps its nanoseconds non-negative', () => {
    // -1 ms = -1 s + 999 000 000 ns
    assert.equal(hex(new Date(-1)), `d804${'ff'.repeat(8)}c0878b3b00000000`);
  });

  it('text is its UTF-8 bytes, as Node sends it, lone surrogates included', () => {
    const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.oneof(codeUnits, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        assert.equal(keyHash(text), murmur3x86_32(Buffer.from(text, 'utf8'), 13));
      }),
      { numRuns: 2000, seed: 2026_12_11 },
    );
  });

  it('an integer hashes alike as a number and as a bigint, across every MessagePack width', () => {
    const edges = [0n, 127n, 128n, 255n, 256n, 65535n, 65536n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 2048n];
    const near = fc.constantFrom(...edges.flatMap((e) => [e, -e - 1n, -e])).chain((e) => fc.bigInt({ min: e - 3n, max: e + 3n }));
    const any = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n });
    fc.assert(
      fc.property(fc.oneof(near, any), (n) => {
        fc.pre(n >= -(2n ** 63n) && n <= 2n ** 64n - 1n && BigInt(Number(n)) === n);
        assert.equal(keyHash(Number(n)), keyHash(n), String(n));
      }),
      { numRuns: 3000, seed: 2026_12_12 },
    );
  });

  it('buckets stay within 1 .. bucketCount', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 100_000 }), (key, count) => {
        const bucket = bucketId(key, count);
        assert.ok(Number.isInteger(bucket) && bucket >= 1 && bucket <= count);
      }),
      { numRuns: 1000, seed: 2026_12_13 },
    );
  });

  it('a huge text grows the buffer once, and later keys are unaffected', () => {
    const huge = 'ж'.repeat(100_000);
    assert.equal(keyHash([1, huge, 2]), murmur3x86_32(Buffer.concat([Buffer.of(1), Buffer.from(huge), Buffer.of(2)]), 13));
    assert.equal(bucketId(1), 1934);
    assert.equal(bucketId(['2', 1]), 2997);
  });

  it('a key whose reading calls bucketId again still gets its own bytes', () => {
    const inner: number[] = [];
    const key = new Proxy(['2', 1] as KeyPart[], {
      get(target, property, receiver) {
        if (property === '1') inner.push(bucketId(['lol', 42]));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    assert.equal(bucketId(key), 2997);
    assert.deepEqual(inner, [739]);
    assert.equal(bucketId(1), 1934);
  });

  it('typed parts are frozen and print their type', () => {
    const part = keyPart.decimal('1.0');
    assert.ok(Object.isFrozen(part));
    assert.equal(String(part), 'decimal(1.0)');
    assert.equal(String(keyPart.datetime(new Date(0), 180)), 'datetime(1970-01-01T00:00:00.000Z, 180 min)');
  });
});
