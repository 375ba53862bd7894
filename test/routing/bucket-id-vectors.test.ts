/**
 * Bucket numbers printed by a real Picodata (bucket_count 3000): each comes from Picodata's own integration
 * tests or docs (repository picodata/picodata at 812716f7e, path given per vector), never from the unit tests
 * under crates/, which run a mock hash. Composite keys are in the table's sharding-key order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketId, keyHash, keyPart, type KeyPart } from '../../src/index.js';

function check(key: readonly KeyPart[] | KeyPart, expected: number): void {
  assert.equal(bucketId(key), expected, `bucketId(${String(key)})`);
}

describe('bucketId: integer keys from Picodata tests', () => {
  it('matches single-integer keys', () => {
    check(1, 1934); // test/int/sql/explain.sql, eliminate_motion.sql, delete.sql, test/int/test_cli_ux.py (assets)
    check(0, 84); // test/pgproto/simple_query_test.py: insert into "explain" values (0)
    check(2, 1410); // test/int/sql/explain_buckets.sql (tt d = 2), insert.sql, test/int/test_cli_ux.py (characters)
    check(3, 1958); // test/int/sql/join.sql: a IN (1, 3) -> [1934,1958]; insert.sql test_insert_2
    check(4, 2752); // test/int/sql/eliminate_motion.sql (a = 4), insert.sql test_insert_3
    check(5, 219); // test/int/sql/eliminate_motion.sql distinct-1 (a = 5), explain_options.sql (c.id = 5)
    check(8, 2564); // test/int/sql/insert.sql test_insert_7-3 (id 8)
    check(10, 626); // test/int/sql/insert.sql test_insert_1 (id 10)
    check(42, 2426); // test/int/sql/explain_buckets.sql (tt d = 42), explain_options.sql
    check(400, 590); // test/int/sql/anonymous_block.sql: INSERT INTO t VALUES (400, ...) -> bucket_id 590
    check(43, 214); // test/int/test_bucket_id_pk_index.py: DISTRIBUTED BY (b), b = 43 -> bucket_id 214
    check(-9223372036854775808n, 413); // test/int/sql/insert.sql test_insert_6 (id -9223372036854775808)
    check(-9223372036854775808, 413); // the same value as a number (-2^63 is an exact double)
  });

  it('matches multi-bucket sets', () => {
    const buckets = (keys: number[]): number[] => keys.map((k) => bucketId(k)).sort((a, b) => a - b);
    // test/int/sql/union-single-instance.sql and union-two-instances.sql: a IN (1 .. 10)
    assert.deepEqual(buckets([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [219, 626, 799, 1410, 1860, 1934, 1958, 2564, 2752, 2852]);
    // test/int/sql/explain_options.sql: DELETE FROM testing_space WHERE id IN (10, 15, 42)
    assert.deepEqual(buckets([10, 15, 42]), [626, 1403, 2426]);
    // docs/docs/reference/sql/explain_facets/buckets.md: SELECT * FROM foo WHERE id in (42, 88, 99)
    assert.deepEqual(buckets([42, 88, 99]), [388, 587, 2426]);
    // test/int/sql/eliminate_motion.sql group-by-4: a = 1 OR a = 2
    assert.deepEqual(buckets([1, 2]), [1410, 1934]);
  });
});

describe('bucketId: composite (text, int) keys from Picodata tests', () => {
  // Table t (a INT, b DOUBLE, c TEXT, PRIMARY KEY (c, a)): the key is (c, a), c first.
  it('hashes the parts in sharding-key order', () => {
    check(['2', 1], 2997); // test/int/sql/explain_buckets.sql buckets-select-filtered; explain.sql
    check(['4', 3], 2520); // test/int/sql/explain_buckets.sql buckets-delete-filtered -> [2520,2997]
    check(['lol', 42], 739); // test/int/sql/explain_buckets.sql buckets-update-filtered; explain_options.sql
    check(['kek', 1], 2036); // test/int/sql/explain_buckets.sql buckets-insert-filtered: VALUES (1, 5, 'kek')
    check(['lol', 5], 442); // test/int/sql/explain_options.sql: delete from t where a = 5 and c = 'lol'
    check(['kek', 42], 2873); // test/int/sql/explain_options.sql: update t ... where a = 42 and c = 'kek'
    check(['2', 2], 2356); // test/int/sql/explain_options.sql: insert into t values (2, 2, '2')
    assert.notEqual(bucketId([1, '2']), 2997, 'the other order is another bucket');
  });

  it('matches a join that touches two tables', () => {
    // test/int/sql/explain_buckets.sql buckets-join-filtered: t (a = 5, c = 'lol') join tt (d = 5) -> [219,442]
    assert.deepEqual([bucketId(['lol', 5]), bucketId(5)].sort((a, b) => a - b), [219, 442]);
  });
});

describe('bucketId: decimal and double keys from Picodata tests', () => {
  // test/known_defects/sql/unstable_bucket_id.sql: t (a INT, b DECIMAL, PRIMARY KEY (b)); the server hashes
  // the value's own type, and a decimal's scale counts.
  it('hashes an integer, a decimal 1 and a decimal 1.0 differently', () => {
    check(1, 1934); // WHERE b = 1; also INSERT INTO t VALUES (1, 1)
    check(keyPart.decimal('1'), 2135); // WHERE b = 1::decimal
    check(keyPart.decimal('1.0'), 712); // WHERE b = 1.0; also INSERT INTO t VALUES (1, 1.0)
  });

  it('hashes an integral double as the integer from 26.1.1 on, and as float64 before', () => {
    // Picodata commit a2ac9b022, test/int/sql/test_known_defects.sql (tarantool-sys a702e0b3, i.e. <= 25.x):
    // b = 1::double on a DOUBLE key -> 2099. Rewritten in 0acc62c58 because 26.1 hashes integral doubles as
    // integers, so 1::double -> 1934 (RELEASE_NOTES.md, 26.1.1 breaking changes).
    check(keyPart.double(1), 1934);
    assert.equal(bucketId(keyPart.double(1), 3000, { legacyDoubleHashing: true }), 2099);
  });
});

describe('bucketId: the raw hash and other bucket counts', () => {
  it('keyHash is the 32-bit hash before the modulo', () => {
    // tarantool/tests/src/tuple_picodata.rs in picodata/picodata (key_def {integer, integer} over {1, 2, 3})
    assert.equal(keyHash([1, 2]), 605624609);
    assert.equal(keyHash(1), 1457374933);
    assert.equal(keyHash([1, null]), 766361540);
    assert.equal(bucketId(1, 1), 1);
    assert.equal(bucketId(1, 2 ** 32), 1457374933 + 1);
  });
});
