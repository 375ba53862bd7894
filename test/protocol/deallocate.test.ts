import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../src/protocol/connection.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

function target() {
  const dsn = parseDsn(standIn.dsn('scram'));
  return { host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database, ssl: 'disable' as const };
}

const SUM = 'SELECT $1::int8 + 1 AS n';
const TEXT = 'SELECT $1::text AS t';

test('DEALLOCATE ALL from the caller does not break the cached statements for good', async () => {
  const conn = await Connection.connect(target());
  try {
    assert.equal(await conn.fetchval(SUM, [1]), 2);
    assert.equal(await conn.fetchval(TEXT, ['a']), 'a');
    await conn.execute('DEALLOCATE ALL', [], { prepare: false });
    assert.equal(conn.preparedStatementCount, 0, 'the cache forgets what DEALLOCATE ALL removed');
    assert.equal(await conn.fetchval(SUM, [2]), 3);
    assert.equal(await conn.fetchval(TEXT, ['b']), 'b');
    // Prepared the same way as any statement, DEALLOCATE ALL removes itself too.
    await conn.execute('DEALLOCATE ALL');
    assert.equal(await conn.fetchval(SUM, [3]), 4);
    assert.equal(conn.preparedStatementCount, 1);
  } finally {
    await conn.close();
  }
});

// The queries pipelined behind the DEALLOCATE were built for statements it removes: their Bind fails with
// 26000, and each is prepared anew once, which is what this test exercises.
test('DEALLOCATE ALL pipelined between queries of cached statements: every query gets its own answer', async () => {
  const conn = await Connection.connect(target());
  try {
    assert.equal(await conn.fetchval(SUM, [0]), 1);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        conn.fetchval(SUM, [10]),
        conn.execute('DEALLOCATE ALL', [], { prepare: false }).then((r) => r.command),
        conn.fetchval(SUM, [20]),
        conn.fetchval(TEXT, ['x']),
        conn.fetchval(SUM, [30]),
      ]);
      assert.deepEqual(results, [11, 'DEALLOCATE ALL', 21, 'x', 31]);
    }
    assert.equal(await conn.fetchval(SUM, [40]), 41);
    assert.equal(conn.inFlight, 0);
  } finally {
    await conn.close();
  }
});

test('DEALLOCATE of one cached statement by name: that statement is prepared anew, the others stay', async () => {
  const conn = await Connection.connect(target());
  try {
    // A fresh connection names its statements picots_1, picots_2, ... in the order it prepares them.
    assert.equal(await conn.fetchval(SUM, [1]), 2);
    assert.equal(await conn.fetchval(TEXT, ['a']), 'a');
    await conn.execute('DEALLOCATE picots_1', [], { prepare: false });
    assert.equal(conn.preparedStatementCount, 1);
    assert.equal(await conn.fetchval(SUM, [5]), 6);
    assert.equal(await conn.fetchval(TEXT, ['b']), 'b');
    assert.equal(conn.preparedStatementCount, 2);
    await conn.execute(' deallocate prepare "picots_2" ;', [], { prepare: false });
    assert.equal(conn.preparedStatementCount, 1);
    assert.equal(await conn.fetchval(TEXT, ['c']), 'c');
  } finally {
    await conn.close();
  }
});
