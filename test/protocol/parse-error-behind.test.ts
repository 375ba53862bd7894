/**
 * Queries pipelined behind a failed Parse of the same statement get the parse error itself, also from a
 * server that answers them with its own "statement not found" (Picodata: XX000 "Couldn't find statement").
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { Connection, ServerError } from '../../src/index.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ instances: 1 });
});
after(() => cluster?.stop());

test('three pipelined copies of a statement that does not parse all report the parse error', { timeout: 30_000 }, async () => {
  const dsn = parseDsn(cluster.dsn('scram'));
  const conn = await Connection.connect({ host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database, ssl: 'disable' });
  try {
    const results = await Promise.allSettled([1, 2, 3].map(() => conn.query('SELEC 1')));
    const messages = results.map((r) => (r.status === 'rejected' && r.reason instanceof ServerError ? r.reason.message : String(r.status)));
    assert.equal(new Set(messages).size, 1, messages.join('\n'));
    assert.doesNotMatch(messages[0]!, /find statement|does not exist/i);
    assert.equal(await conn.fetchval('SELECT 1'), 1);
  } finally {
    conn.destroy();
  }
});
