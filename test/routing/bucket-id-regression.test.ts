/**
 * Regression values: the hashed bytes, hash and bucket (of 3000) that the research notes' reading of the
 * server code gives for types Picodata's tests never print a bucket for (negative and large integers, text,
 * boolean, NULL, uuid, datetime, decimals, fractional doubles). They are derived, not observed: if a live
 * Picodata disagrees, the server wins and this file is wrong (see /work/shared/research/smart-client.md §1.8).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketId, keyHash, keyPart, type BucketIdOptions, type KeyPart } from '../../src/index.js';
import { KeyEncoder } from '../../src/routing/key-encoder.js';

function bytesOf(key: readonly KeyPart[], legacyDoubles = false): string {
  const encoder = new KeyEncoder();
  key.forEach((part, i) => encoder.append(part, i, legacyDoubles));
  return Buffer.from(encoder.bytes.subarray(0, encoder.length)).toString('hex');
}

type Row = [name: string, key: KeyPart | readonly KeyPart[], hex: string, hash: number, bucket: number, options?: BucketIdOptions];

const legacy: BucketIdOptions = { legacyDoubleHashing: true };
const at = (iso: string): Date => new Date(iso);

const rows: Row[] = [
  ['int -1', -1, 'ff', 4260146285, 2286],
  ['int -32', -32, 'e0', 845749880, 1881],
  ['int -33', -33, 'd0df', 2361970727, 1728],
  ['int -128', -128, 'd080', 3350287123, 1124],
  ['int -129', -129, 'd1ff7f', 1378263343, 344],
  ['int 127', 127, '7f', 1388159361, 2362],
  ['int 128', 128, 'cc80', 1133272088, 1089],
  ['int 255', 255, 'ccff', 4112269967, 1968],
  ['int 256', 256, 'cd0100', 574843051, 1052],
  ['int 65535', 65535, 'cdffff', 3989803487, 1488],
  ['int 65536', 65536, 'ce00010000', 2142243107, 108],
  ['int 2^32-1', 4294967295, 'ceffffffff', 3996602888, 2889],
  ['int 2^32', 4294967296, 'cf0000000100000000', 3232463355, 2356],
  ['int 2^63-1', 9223372036854775807n, 'cf7fffffffffffffff', 2111610245, 246],
  ['int -2^63', -9223372036854775808n, 'd38000000000000000', 985107412, 413],
  ["text ''", '', '', 2512092562, 563],
  ["text 'a'", 'a', '61', 2480613713, 714],
  ["text 'kek'", 'kek', '6b656b', 765340642, 1643],
  ["text 'hello'", 'hello', '68656c6c6f', 1530622480, 1481],
  ["text 'Привет'", 'Привет', 'd09fd180d0b8d0b2d0b5d182', 1804569794, 795],
  ['true', true, 'c3', 3328253130, 2131],
  ['false', false, 'c2', 2963181756, 757],
  ['NULL', null, 'c0', 4014916637, 1638],
  ['uuid', keyPart.uuid('9035910e-8342-4460-8c25-25e5f10d9876'), 'd8029035910e834244608c2525e5f10d9876', 3758307062, 63],
  ['uuid nil', keyPart.uuid('00000000-0000-0000-0000-000000000000'), `d802${'00'.repeat(16)}`, 2056271569, 2570],
  ['datetime UTC', at('2025-06-10T12:10:08Z'), 'd704a020486800000000', 3832597011, 1012],
  ['datetime +03', keyPart.datetime(at('2025-06-10T12:10:08Z'), 180), 'd804a02048680000000000000000b4000000', 2387396819, 2820],
  ['datetime .001', at('2025-06-10T12:10:08.001Z'), 'd804a02048680000000040420f0000000000', 4044141037, 38],
  ['datetime epoch', at('1970-01-01T00:00:00Z'), 'd7040000000000000000', 2590334750, 2751],
  ['decimal 0', keyPart.decimal('0'), 'd501000c', 2018471784, 2785],
  ['decimal -1', keyPart.decimal('-1'), 'd501001d', 3371739295, 296],
  ['decimal 0.5', keyPart.decimal('0.5'), 'd501015c', 4255653946, 947],
  ['decimal 12.34', keyPart.decimal('12.34'), 'd6010201234c', 1433217248, 249],
  ['decimal -12.345', keyPart.decimal('-12.345'), 'd6010312345d', 3096273048, 49],
  ['decimal 100', keyPart.decimal('100'), 'c7030100100c', 2108511186, 187],
  ['decimal 1E+2', keyPart.decimal('1E+2'), 'd501fe1c', 436186905, 1906],
  ['double 1.5', 1.5, '3ff8000000000000', 572937509, 510],
  ['double 1.5 legacy', 1.5, 'cb3ff8000000000000', 2895216631, 632, legacy],
  ['double -2.5', -2.5, 'c004000000000000', 3858723596, 597],
  ['double -2.5 legacy', keyPart.double(-2.5), 'cbc004000000000000', 2706701278, 2279, legacy],
  ['double 0.1', 0.1, '3fb999999999999a', 1895211209, 210],
  ['double 0.1 legacy', 0.1, 'cb3fb999999999999a', 1920425672, 2673, legacy],
  ['double 1e20', keyPart.double(1e20), '4415af1d78b58c40', 3137059528, 1529],
  ['double 1e20 legacy', keyPart.double(1e20), 'cb4415af1d78b58c40', 1979626467, 1468, legacy],
  ['double -0.0', keyPart.double(-0), '00', 2089332083, 84],
  ['double -0.0 legacy', keyPart.double(-0), 'cb8000000000000000', 2074981326, 1327, legacy],
  ["(1, 'kek')", [1, 'kek'], '016b656b', 3990930133, 134],
  ['(1, 2)', [1, 2], '0102', 605624609, 2610],
  ['(1, NULL)', [1, null], '01c0', 766361540, 2541],
  ["(true, 'x', 7)", [true, 'x', 7], 'c37807', 1448273698, 2699],
];

describe('bucketId: regression values (derived from the server code, research notes §1.8)', () => {
  for (const [name, key, hex, hash, bucket, options] of rows) {
    it(name, () => {
      const parts = (Array.isArray(key) ? key : [key]) as readonly KeyPart[];
      assert.equal(bytesOf(parts, options?.legacyDoubleHashing === true), hex, 'hashed bytes');
      assert.equal(keyHash(key as KeyPart, options), hash, 'hash');
      assert.equal(bucketId(key as KeyPart, 3000, options), bucket, 'bucket');
    });
  }

  it('other bucket counts: ints 1, 2, 3 of 16384', () => {
    assert.deepEqual([1, 2, 3].map((n) => bucketId(n, 16384)), [1750, 14826, 7286]);
  });

  it('a negative int, bigint or double of the same value hash alike; a decimal does not', () => {
    assert.equal(bucketId(-129n), bucketId(-129));
    assert.equal(bucketId(keyPart.double(-129)), bucketId(-129));
    assert.notEqual(bucketId(keyPart.decimal('-129')), bucketId(-129));
  });
});
