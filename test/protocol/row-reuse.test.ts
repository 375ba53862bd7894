import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../src/protocol/connection.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { REUSE_ROWS_FROM, type ReuseRowsOptions } from '../../src/protocol/row-reuse.js';
import type { QueryResult } from '../../src/protocol/query-types.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

async function connect(): Promise<Connection> {
  const dsn = parseDsn(standIn.dsn('scram'));
  return Connection.connect({ host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database, ssl: 'disable' });
}

const reuse = (earlier: QueryResult<unknown> | null, extra: ReuseRowsOptions = {}): ReuseRowsOptions => ({ ...extra, [REUSE_ROWS_FROM]: earlier });

test('rows whose bytes did not change are the earlier result\'s row objects; changed, added and other rows are decoded anew', async () => {
  const conn = await connect();
  try {
    await conn.execute('CREATE TEMP TABLE reuse_t (id int, v text, j json)');
    await conn.execute(`INSERT INTO reuse_t VALUES (1, 'a', '{"x":1}'), (2, 'b', '{"x":2}'), (3, 'c', null)`);
    const sql = 'SELECT id, v, j FROM reuse_t ORDER BY id';
    const first = await conn.query(sql, [], reuse(null));
    await conn.execute("UPDATE reuse_t SET v = 'B' WHERE id = 2");
    await conn.execute(`INSERT INTO reuse_t VALUES (4, 'd', '[]')`);
    const second = await conn.query(sql, [], reuse(first));
    assert.deepEqual(second.rows, [{ id: 1, v: 'a', j: { x: 1 } }, { id: 2, v: 'B', j: { x: 2 } }, { id: 3, v: 'c', j: null }, { id: 4, v: 'd', j: [] }]);
    assert.equal(second.rows[0], first.rows[0]);
    assert.notEqual(second.rows[1], first.rows[1]);
    assert.equal(second.rows[2], first.rows[2]);
    // A third read takes from the second: the row decoded anew there is reused now.
    const third = await conn.query(sql, [], reuse(second));
    for (let i = 0; i < 4; i++) assert.equal(third.rows[i], second.rows[i], `row ${i}`);
    // Fewer rows than before: the ones left still match by position.
    await conn.execute('DELETE FROM reuse_t WHERE id = 4');
    const fourth = await conn.query(sql, [], reuse(third));
    assert.equal(fourth.rows.length, 3);
    assert.equal(fourth.rows[2], third.rows[2]);
  } finally {
    await conn.close();
  }
});

test('rows are never taken from a result with other columns, another row mode or no kept bytes', async () => {
  const conn = await connect();
  try {
    const sql = 'SELECT g AS n, g::text AS t FROM generate_series(1, 3) AS g';
    const objects = await conn.query(sql, [], reuse(null));
    // The same bytes under other names: a row object would carry the wrong keys.
    const renamed = await conn.query('SELECT g AS m, g::text AS t FROM generate_series(1, 3) AS g', [], reuse(objects));
    assert.deepEqual(renamed.rows[0], { m: 1, t: '1' });
    // The same statement as arrays: an object row would be the wrong shape.
    const arrays = await conn.query(sql, [], reuse(objects, { rowMode: 'array' }));
    assert.deepEqual(arrays.rows[0], [1, '1']);
    // A result read without the option kept no bytes: nothing to compare with.
    const plain = await conn.query(sql);
    const after = await conn.query(sql, [], reuse(plain));
    assert.notEqual(after.rows[0], plain.rows[0]);
    assert.deepEqual(after.rows, plain.rows);
    // And a plain read never hands out rows of another result.
    const again = await conn.query(sql);
    assert.notEqual(again.rows[0], objects.rows[0]);
  } finally {
    await conn.close();
  }
});
