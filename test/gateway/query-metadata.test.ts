/**
 * The gateway's query-metadata notice (`pico_query_metadata=true`), checked against Picodata's own expectations
 * in test/pgproto/smart_client_features_test.py (quoted in the research notes, §3.2): one NoticeResponse
 * (S=NOTICE, C=00000, M=JSON) right before each successful Parse's ParseComplete, never in the simple
 * protocol, never for a failed Parse; `dk_meta` as Picodata computes it. Raw protocol clients, so every
 * message is seen as sent.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { serialize } from 'pg-protocol';
import type { BackendMessage, DatabaseError, NoticeMessage } from 'pg-protocol/dist/messages.js';
import { startCluster } from '../../src/testkit/index.js';
import { BAD_QUERY_METADATA_VALUE } from '../../src/testkit/gateway/metadata-notices.js';
import { RawClient } from './raw-client.js';

const cluster = await startCluster({ instances: 1 });
after(() => cluster.stop());

const clients: RawClient[] = [];
after(() => {
  for (const c of clients) c.destroy();
});

async function login(extra: Record<string, string>): Promise<RawClient> {
  const client = await RawClient.connect(cluster.instance('i1').address);
  clients.push(client);
  await client.login(cluster.users.cleartext, cluster.databases.current, extra);
  return client;
}

async function simple(client: RawClient, sql: string): Promise<BackendMessage[]> {
  client.send(serialize.query(sql));
  const messages = await client.untilReady();
  const error = messages.find((m) => m.name === 'error') as DatabaseError | undefined;
  if (error) throw new Error(`${sql}: ${error.message}`);
  return messages;
}

/** Parse + Sync; the replies up to ReadyForQuery. */
async function prepare(client: RawClient, sql: string): Promise<BackendMessage[]> {
  client.send(Buffer.concat([serialize.parse({ text: sql }), serialize.sync()]));
  return client.untilReady();
}

interface Metadata {
  type: string;
  query: string;
  tier: string | null;
  dk_meta: Array<[number, number]>;
}

/** Picodata's check_query_metadata: exactly one notice, right before ParseComplete, with this query and dk_meta. */
async function checkQueryMetadata(client: RawClient, query: string, shardingIndexes: Array<[number, number]>, tier: string | null = 'default'): Promise<void> {
  const replies = await prepare(client, query);
  assert.deepEqual(replies.map((m) => m.name), ['notice', 'parseComplete', 'readyForQuery'], `${query}: ${JSON.stringify(replies)}`);
  const notice = replies[0] as NoticeMessage;
  assert.equal(notice.severity, 'NOTICE');
  assert.equal(notice.code, '00000');
  const metadata = JSON.parse(notice.message ?? '') as Metadata;
  assert.deepEqual(Object.keys(metadata), ['type', 'query', 'tier', 'dk_meta'], 'serde order');
  assert.equal(metadata.type, 'PreparedStatementMetadata');
  assert.equal(metadata.query, query);
  assert.deepEqual(metadata.dk_meta, shardingIndexes, query);
  assert.equal(metadata.tier, tier, query);
}

/**
 * A Parse PostgreSQL refuses where Picodata accepts (a parameter used with two types): the stand-in can only
 * stay silent, as Picodata does for a failed Parse. Its dk_meta would be [] there anyway.
 */
async function refusedByPostgres(client: RawClient, query: string, why = /inconsistent types deduced for parameter/): Promise<void> {
  const replies = await prepare(client, query);
  assert.deepEqual(replies.map((m) => m.name), ['error', 'readyForQuery'], `${query}: ${JSON.stringify(replies)}`);
  assert.match((replies[0] as DatabaseError).message, why);
}

// Picodata's type names that PostgreSQL lacks, so Picodata's DDL and casts run on the stand-in.
const client0 = await login({});
await simple(client0, 'CREATE DOMAIN datetime AS timestamptz');
await simple(client0, 'CREATE DOMAIN double AS float8');

test('Picodata\'s expectations: PRIMARY KEY (f, a, g, c) over decimal, text, int, double, uuid, datetime, boolean', { timeout: 20_000 }, async () => {
  const conn = await login({ pico_query_metadata: 'true' });
  await simple(conn, 'CREATE TABLE t (a DECIMAL, b TEXT NULL, c INT, d DOUBLE, e UUID, f DATETIME, g BOOLEAN, PRIMARY KEY (f, a, g, c))');
  try {
    await checkQueryMetadata(conn, 'insert into t (c, a, g, f) values ($1::integer, $2::decimal, $3::boolean, $4::datetime);', [[4, 1184], [2, 1700], [3, 16], [1, 20]]);
    await checkQueryMetadata(conn, 'insert into t (a, g, f, b, c) values ($1::decimal, true, $2, $3::text, $4);', []);
    // Picodata answers [] to these two; PostgreSQL refuses to give $1 two types ("inconsistent types deduced").
    await refusedByPostgres(conn, 'insert into t (a, g, f, c) values ($1, $1::boolean, $2, $1::int);');
    await refusedByPostgres(conn, 'insert into t (a, g, f, c) values ($1, true, $2, $1::int);');
    await checkQueryMetadata(conn, 'insert into t (f, a, g, c) values ($1::datetime, $2, $3, $4::int);', [[1, 1184], [2, 1700], [3, 16], [4, 20]]);
    await checkQueryMetadata(conn, 'insert into t values ($1, $2, $3, $4, $5, $6, $7);', [[6, 1184], [1, 1700], [7, 16], [3, 20]]);
  } finally {
    await simple(conn, 'DROP TABLE t');
  }
});

test('Picodata\'s expectations: PRIMARY KEY (e, b, d) over uuid, text, double', { timeout: 20_000 }, async () => {
  const conn = await login({ pico_query_metadata: 'true' });
  await simple(conn, 'CREATE TABLE t (a DECIMAL, b TEXT, c INT, d DOUBLE, e UUID, f DATETIME, g BOOLEAN, PRIMARY KEY (e, b, d))');
  try {
    await checkQueryMetadata(conn, 'insert into t (b, e, d) values ($1::text, $1::uuid, $1::double);', []);
    await checkQueryMetadata(conn, 'insert into t (b, e, d) values ($2::text, $3::uuid, $1::double);', [[3, 2950], [2, 25], [1, 701]]);
    await checkQueryMetadata(conn, "insert into t (b, e, d) values ($2::text, '9035910e-8342-4460-8c25-25e5f10d9876'::uuid, $1::double);", []);
    await checkQueryMetadata(conn, 'insert into t (e, b, d) values ($1::uuid, $2::text, $3::double), ($4::uuid, $5::text, $6::double);', []);
    await checkQueryMetadata(conn, 'insert into t values ($1::decimal, $2::text, $3::int, $4::double, $5::uuid, $6::datetime, $7::boolean);', [[5, 2950], [2, 25], [4, 701]]);
  } finally {
    await simple(conn, 'DROP TABLE t');
  }
});

test('Picodata\'s expectations: sharding key (c, b), which is not the first columns', { timeout: 20_000 }, async () => {
  // Picodata: t (a INT PRIMARY KEY, b TEXT, c INT) DISTRIBUTED BY (c, b). The stand-in shards by the primary key.
  const conn = await login({ pico_query_metadata: 'true', options: 'pico_query_metadata=false' });
  await simple(conn, 'CREATE TABLE t (a INT, b TEXT, c INT, PRIMARY KEY (c, b))');
  try {
    await checkQueryMetadata(conn, 'insert into t(a, b) values ($1, $2);', []);
    await checkQueryMetadata(conn, 'insert into t(a, b, c) values ($1, $2, $3);', [[3, 20], [2, 25]]);
    await checkQueryMetadata(conn, "insert into t(a, b, c) values (1, '', 2), ($1, $2, $3);", []);
    await checkQueryMetadata(conn, 'insert into t(a, b, c) select a + 1, b, c from t where b = $1 and c = $2;', []);
    await checkQueryMetadata(conn, 'select * from t where b = $1 and c = $2;', []);
    await checkQueryMetadata(conn, 'select 1', [], null);
    await checkQueryMetadata(conn, 'BEGIN', [], null); // answered by the gateway itself, as Picodata parses it
  } finally {
    await simple(conn, 'DROP TABLE t');
  }
});

test('the notice follows _pico_table: DISTRIBUTED BY (c, b) given with setDistribution, a global table, another tier', { timeout: 20_000 }, async () => {
  // Picodata's own table this time: t (a INT PRIMARY KEY, b TEXT, c INT) DISTRIBUTED BY (c, b).
  const conn = await login({ pico_query_metadata: 'true' });
  await simple(conn, 'CREATE TABLE t (a INT PRIMARY KEY, b TEXT, c INT)');
  try {
    await checkQueryMetadata(conn, 'insert into t(a, b, c) values ($1, $2, $3);', [[1, 20]], 'default');
    await cluster.setDistribution('t', { key: ['c', 'b'] });
    await checkQueryMetadata(conn, 'insert into t(a, b) values ($1, $2);', []);
    await checkQueryMetadata(conn, 'insert into t(a, b, c) values ($1, $2, $3);', [[3, 20], [2, 25]]);
    await cluster.setDistribution('t', { key: ['b'], tier: 'hot' });
    await checkQueryMetadata(conn, 'insert into t(a, b, c) values ($1, $2, $3);', [[2, 25]], 'hot');
    await cluster.setDistribution('t', 'global');
    await checkQueryMetadata(conn, 'insert into t(a, b, c) values ($1, $2, $3);', [], null);
  } finally {
    await cluster.setDistribution('t', null);
    await simple(conn, 'DROP TABLE t');
  }
});

test('no notice in the simple protocol, for a failed Parse, or when the session did not ask', { timeout: 20_000 }, async () => {
  const asked = await login({ options: 'pico_query_metadata=true' });
  assert.deepEqual((await simple(asked, 'select 1')).map((m) => m.name), ['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
  await refusedByPostgres(asked, 'select * from no_such_table where id = $1', /does not exist/);
  await checkQueryMetadata(asked, 'select 2', [], null);

  const variants: Array<Record<string, string>> = [{}, { pico_query_metadata: 'false' }, { pico_query_metadata: 'false', options: 'pico_query_metadata=true' }];
  for (const extra of variants) {
    const silent = await login(extra);
    assert.deepEqual((await prepare(silent, 'select 1')).map((m) => m.name), ['parseComplete', 'readyForQuery'], JSON.stringify(extra));
  }
});

test('pipelined: a notice before each ParseComplete, none for the Parses skipped after an error', { timeout: 20_000 }, async () => {
  const conn = await login({ pico_query_metadata: 'true' });
  await simple(conn, 'CREATE TABLE p (id INT PRIMARY KEY, v TEXT)');
  try {
    const sql = 'insert into p values ($1, $2)';
    conn.send(Buffer.concat([
      serialize.parse({ name: 's1', text: sql }), serialize.bind({ statement: 's1', values: ['1', 'a'] }), serialize.execute({}),
      serialize.parse({ name: 's2', text: 'select v from p where id = $1' }),
      serialize.parse({ text: 'select * from missing_table' }),
      serialize.parse({ name: 's3', text: 'select 3' }),
      serialize.sync(),
      serialize.parse({ name: 's4', text: 'select 4' }),
      serialize.sync(),
    ]));
    const first = await conn.untilReady();
    assert.deepEqual(first.map((m) => m.name), ['notice', 'parseComplete', 'bindComplete', 'commandComplete', 'notice', 'parseComplete', 'error', 'readyForQuery']);
    assert.deepEqual((JSON.parse((first[0] as NoticeMessage).message ?? '') as Metadata).dk_meta, [[1, 20]]);
    assert.equal((JSON.parse((first[4] as NoticeMessage).message ?? '') as Metadata).query, 'select v from p where id = $1');
    const second = await conn.untilReady();
    assert.deepEqual(second.map((m) => m.name), ['notice', 'parseComplete', 'readyForQuery']);
    assert.equal((JSON.parse((second[0] as NoticeMessage).message ?? '') as Metadata).query, 'select 4');
  } finally {
    await simple(conn, 'DROP TABLE p');
  }
});

test('a value other than true or false fails the handshake with no ErrorResponse, as Picodata does', { timeout: 20_000 }, async () => {
  cluster.clearSessions();
  const client = await RawClient.connect(cluster.instance('i1').address);
  clients.push(client);
  client.send(serialize.startup({ user: cluster.users.cleartext.user, database: cluster.databases.current, pico_query_metadata: 'yes' }));
  await client.closed;
  assert.equal(client.bytesReceived, 0);
  const record = cluster.sessions().find((s) => s.startup.pico_query_metadata === 'yes');
  assert.equal(record?.closeReason, BAD_QUERY_METADATA_VALUE);
});
