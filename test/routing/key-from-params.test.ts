/**
 * keyFromParams: dk_meta from Picodata's own expectations (test/pgproto/smart_client_features_test.py),
 * parameters as an application passes them, and the bucket the key hashes to (vectors of the research notes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketId, keyFromParams, keyPart, type DkMeta } from '../../src/index.js';

const UUID = '9035910e-8342-4460-8c25-25e5f10d9876';

describe('keyFromParams', () => {
  it('takes the parameters in dk_meta order and types them by OID (PRIMARY KEY (f, a, g, c))', () => {
    // insert into t (c, a, g, f) values ($1::integer, $2::decimal, $3::boolean, $4::datetime)
    const dk: DkMeta = [[4, 1184], [2, 1700], [3, 16], [1, 20]];
    const key = keyFromParams(dk, [7, '12.50', true, new Date('2025-06-10T12:10:08Z')]);
    assert.ok(key);
    assert.equal(key.length, 4);
    assert.ok(key[0] instanceof Object && String(key[0]).startsWith('datetime('));
    assert.equal(String(key[1]), 'decimal(12.50)');
    assert.equal(key[2], true);
    assert.equal(key[3], 7n);
    assert.equal(bucketId(key), bucketId([keyPart.datetime(new Date('2025-06-10T12:10:08Z')), keyPart.decimal('12.50'), true, 7]));
  });

  it('gives the buckets of the known vectors', () => {
    assert.equal(bucketId(keyFromParams([[1, 20]], [1])!), 1934);
    assert.equal(bucketId(keyFromParams([[1, 20]], ['1'])!), 1934);
    assert.equal(bucketId(keyFromParams([[1, 20]], [-9223372036854775808n])!), 413);
    assert.equal(bucketId(keyFromParams([[1, 1700]], ['1.0'])!), 712, 'decimal 1.0: the scale counts');
    assert.equal(bucketId(keyFromParams([[1, 1700]], [1])!), 2135, 'decimal 1');
    assert.equal(bucketId(keyFromParams([[1, 1184]], [new Date('2025-06-10T12:10:08Z')])!), 1012);
    assert.equal(bucketId(keyFromParams([[1, 1184]], ['2025-06-10 12:10:08+00'])!), 1012);
    assert.equal(bucketId(keyFromParams([[1, 1184]], ['2025-06-10 15:10:08+03'])!), 2820, 'the offset is hashed');
    assert.equal(bucketId(keyFromParams([[1, 1184]], ['2025-06-10T12:10:08.001Z'])!), 38);
    assert.equal(bucketId(keyFromParams([[1, 701]], [0.1])!), 210);
    assert.equal(bucketId(keyFromParams([[1, 701]], ['0.1'])!), 210);
    // table t (a INT PRIMARY KEY, b TEXT, c INT) DISTRIBUTED BY (c, b): insert into t(a, b, c) values ($1, $2, $3)
    assert.equal(bucketId(keyFromParams([[3, 20], [2, 25]], [99, 'kek', 1])!), 134);
    assert.equal(bucketId(keyFromParams([[1, 20], [2, 20]], [1, 2])!), 2610);
  });

  it('reads uuid, text and double parameters (PRIMARY KEY (e, b, d))', () => {
    // insert into t (b, e, d) values ($2::text, $3::uuid, $1::double)
    const key = keyFromParams([[3, 2950], [2, 25], [1, 701]], [1.5, 'x', UUID]);
    assert.ok(key);
    assert.equal(bucketId(key), bucketId([keyPart.uuid(UUID), 'x', keyPart.double(1.5)]));
    assert.deepEqual(keyFromParams([[1, 25]], [42]), ['42'], 'a number sent to a text column is its text');
  });

  it('gives a NULL part for null and undefined', () => {
    assert.deepEqual(keyFromParams([[1, 20], [2, 25]], [null, undefined]), [null, null]);
  });

  it('gives undefined when a value cannot be the OID\'s type, or dk_meta is empty or points past the parameters', () => {
    const none: Array<[DkMeta, unknown[]]> = [
      [[], [1]],
      [[[2, 20]], [1]],
      [[[0, 20]], [1]],
      [[[1, 20]], [1.5]],
      [[[1, 20]], ['12abc']],
      [[[1, 20]], [2n ** 63n]],
      [[[1, 20]], [true]],
      [[[1, 16]], ['yes']],
      [[[1, 2950]], ['not-a-uuid']],
      [[[1, 1700]], ['1e5x']],
      [[[1, 701]], ['0x10']],
      [[[1, 701]], ['NaN']],
      [[[1, 1184]], ['2025-06-10 12:10:08']],
      [[[1, 1184]], ['2025-13-10 12:10:08Z']],
      [[[1, 1184]], ['2025-06-10 12:10:08.0000001Z']],
      [[[1, 20]], [{ a: 1 }]],
      [[[1, 114]], ['{}']],
    ];
    for (const [dk, params] of none) assert.equal(keyFromParams(dk, params), undefined, `${JSON.stringify(dk)} ${String(params[0])}`);
    assert.equal(keyFromParams([[1, 20]], undefined), undefined);
  });
});
