/**
 * The gateway's dk_meta computation alone (no sockets): Picodata's rules for parameter types, casts, column
 * lists and quoting, over a table lookup given by the test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaredParamOids, metadataNotice, statementMetadata } from '../../src/testkit/gateway/query-metadata-notice.js';
import type { TableDistribution } from '../../src/testkit/gateway/sharding-catalog.js';
import { serialize } from 'pg-protocol';

const TABLES: Record<string, TableDistribution> = {
  // CREATE TABLE t (a DECIMAL, b TEXT, c INT, PRIMARY KEY (c, a))
  t: { kind: 'sharded', columns: [{ name: 'a', oid: 1700 }, { name: 'b', oid: 25 }, { name: 'c', oid: 20 }], key: ['c', 'a'], tier: 'default' },
  '"Mixed"': { kind: 'sharded', columns: [{ name: 'Id', oid: 20 }, { name: 'v', oid: 25 }], key: ['Id'], tier: 'hot' },
  _pico_thing: { kind: 'global', columns: [{ name: 'id', oid: 20 }] },
};
const lookup = (table: string): Promise<TableDistribution | undefined> => Promise.resolve(TABLES[table]);
const dk = async (sql: string, declared: number[] = []) => (await statementMetadata(sql, declared, lookup)).dkMeta;

describe('statementMetadata', () => {
  it('types a bare parameter by its column, a cast one by its cast, and keeps sharding-key order', async () => {
    assert.deepEqual(await dk('insert into t values ($1, $2, $3)'), [[3, 20], [1, 1700]]);
    assert.deepEqual(await dk('INSERT INTO t (c, a) VALUES ($1::int, $2::numeric);'), [[1, 20], [2, 1700]]);
    assert.deepEqual(await dk('insert into t (c, a) values (CAST($1 AS integer), $2)'), [[1, 20], [2, 1700]]);
    assert.deepEqual(await dk('insert into t (c, a, b) values ($2, $2::decimal(10, 2), $1)'), [[2, 1700], [2, 1700]],
      'a parameter cast once takes that type everywhere');
  });

  it('hashes a parameter cast to another type than the column as its own type, as the server does', async () => {
    assert.deepEqual(await dk('insert into t (c, a) values ($1, $2::int)'), [[1, 20], [2, 20]]);
  });

  it('gives no key for a cast to another type than the parameter\'s, a constant, a missing key column or several rows', async () => {
    assert.deepEqual(await dk('insert into t (c, a) values ($1::int, $1::decimal)'), []);
    assert.deepEqual(await dk('insert into t (c, a) values (1, $1)'), []);
    assert.deepEqual(await dk("insert into t (c, a) values ($1, '1.5')"), []);
    assert.deepEqual(await dk('insert into t (a, b) values ($1, $2)'), []);
    assert.deepEqual(await dk('insert into t (c, a) values ($1, $2), ($3, $4)'), []);
    assert.deepEqual(await dk('insert into t (c, a) values ($1, $2) returning c'), []);
    assert.deepEqual(await dk('insert into t (c, a) values ($1 + 1, $2)'), []);
  });

  it('uses the types the Parse declared', async () => {
    assert.deepEqual(await dk('insert into t (c, a) values ($1, $2)', [25, 0]), [[1, 25], [2, 1700]]);
    assert.deepEqual(await dk('insert into t (c, a) values ($1::int, $2)', [25]), [], 'a cast to another type than the declared one');
  });

  it('reads quoted names, global tables and tiers', async () => {
    assert.deepEqual(await statementMetadata('insert into "Mixed" ("Id", v) values ($1, $2)', [], lookup), { tier: 'hot', dkMeta: [[1, 20]] });
    assert.deepEqual(await statementMetadata('insert into _pico_thing values ($1)', [], lookup), { tier: null, dkMeta: [] });
    assert.deepEqual(await statementMetadata('insert into nowhere values ($1)', [], lookup), { tier: null, dkMeta: [] });
    assert.deepEqual(await statementMetadata('select * from _pico_thing join t on true', [], lookup), { tier: 'default', dkMeta: [] });
    assert.deepEqual(await statementMetadata('update "Mixed" set v = $1', [], lookup), { tier: 'hot', dkMeta: [] });
    assert.deepEqual(await statementMetadata('select 1', [], lookup), { tier: null, dkMeta: [] });
  });
});

describe('metadataNotice', () => {
  it('is a NoticeResponse with S, C and M only', () => {
    const bytes = metadataNotice('select 1', { tier: null, dkMeta: [] });
    assert.equal(bytes.toString('latin1', 0, 1), 'N');
    assert.equal(bytes.readInt32BE(1), bytes.length - 1);
    assert.equal(bytes.subarray(5).toString('utf8'),
      'SNOTICE\0C00000\0M{"type":"PreparedStatementMetadata","query":"select 1","tier":null,"dk_meta":[]}\0\0');
  });

  it('reads the declared parameter types of a Parse', () => {
    const parse = serialize.parse({ name: 's', text: 'select $1, $2', types: [20, 0] });
    assert.deepEqual(declaredParamOids(parse.subarray(5)), [20, 0]);
    assert.deepEqual(declaredParamOids(serialize.parse({ text: 'select 1' }).subarray(5)), []);
  });
});
