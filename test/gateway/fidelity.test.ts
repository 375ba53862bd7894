/**
 * One test per place where PostgreSQL behind the gateway would differ from Picodata's pgproto in a way a
 * client can observe, each showing the stand-in does what Picodata does (FACTS.md; Picodata's own
 * test/pgproto/*.py and src/pgproto/). Raw protocol clients, so every message is seen as sent.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { serialize } from 'pg-protocol';
import type {
  BackendMessage, CommandCompleteMessage, DatabaseError, DataRowMessage, ParameterStatusMessage, ReadyForQueryMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages.js';
import { startCluster } from '../../src/testkit/index.js';
import { RawClient } from './raw-client.js';

const cluster = await startCluster({ instances: 1 });
after(() => cluster.stop());

const clients: RawClient[] = [];
after(() => {
  for (const c of clients) c.destroy();
});

async function login(extra: Record<string, string> = {}): Promise<{ client: RawClient; handshake: BackendMessage[] }> {
  const client = await RawClient.connect(cluster.instance('i1').address);
  clients.push(client);
  const handshake = await client.login(cluster.users.cleartext, cluster.databases.current, extra);
  return { client, handshake };
}

async function query(client: RawClient, sql: string): Promise<BackendMessage[]> {
  client.send(serialize.query(sql));
  return client.untilReady();
}

/** The first column of every row of `sql`, as text. */
async function column(client: RawClient, sql: string): Promise<Array<string | null>> {
  const messages = await query(client, sql);
  const error = messages.find((m) => m.name === 'error') as DatabaseError | undefined;
  if (error) throw error;
  return messages.filter((m): m is DataRowMessage => m.name === 'dataRow').map((m) => m.fields[0] ?? null);
}

let tables = 0;
async function freshTable(client: RawClient): Promise<string> {
  tables += 1;
  const name = `fidelity_${process.pid}_${tables}`;
  const created = await query(client, `CREATE TABLE ${name} (id int PRIMARY KEY)`);
  assert.deepEqual(created.map((m) => m.name), ['commandComplete', 'readyForQuery']);
  return name;
}

/** Parse, Bind, Execute of one statement (no Sync). */
function statement(sql: string, rows = 0): Buffer {
  return Buffer.concat([serialize.parse({ text: sql }), serialize.bind({}), serialize.execute({ rows })]);
}

const names = (messages: readonly BackendMessage[]) => messages.map((m) => m.name);

test('on Picodata, every integer result column is int8; the stand-in describes int2 and int4 columns as int8', { timeout: 10_000 }, async () => {
  const { client } = await login();
  const table = await freshTable(client);
  await query(client, `INSERT INTO ${table} VALUES (7)`);
  const sql = `SELECT 1::int2 AS small, 2 AS plain, id, 3::int8 AS big, 'x' AS text FROM ${table}`;
  const simple = await query(client, sql);
  const described = (messages: BackendMessage[]) => (messages.find((m) => m.name === 'rowDescription') as RowDescriptionMessage)
    .fields.map((f) => [f.name, f.dataTypeID, f.dataTypeSize]);
  const expected = [['small', 20, 8], ['plain', 20, 8], ['id', 20, 8], ['big', 20, 8], ['text', 25, -1]];
  assert.deepEqual(described(simple), expected);
  assert.deepEqual((simple.find((m) => m.name === 'dataRow') as DataRowMessage).fields, ['1', '2', '7', '3', 'x']);
  client.send(Buffer.concat([serialize.parse({ text: sql }), serialize.describe({ type: 'S' }), serialize.sync()]));
  assert.deepEqual(described(await client.untilReady()), expected, 'Describe of a statement too');
});

test('on Picodata, bare BEGIN, COMMIT, ROLLBACK and END parse and do nothing; the stand-in answers them itself with Picodata\'s tags', { timeout: 10_000 }, async () => {
  cluster.clearSessions();
  const { client } = await login();
  const cases: Array<[string, string]> = [
    ['BEGIN', 'BEGIN'], ['commit;', 'COMMIT'], ['  Rollback ;; ', 'ROLLBACK'], ['END', 'COMMIT'], ['begin\n', 'BEGIN'],
  ];
  for (const [sql, tag] of cases) {
    const simple = await query(client, sql);
    assert.deepEqual(names(simple), ['commandComplete', 'readyForQuery'], sql);
    assert.equal((simple[0] as CommandCompleteMessage).text, tag, sql);
    client.send(Buffer.concat([
      serialize.parse({ name: 'tcl', text: sql }), serialize.describe({ type: 'S', name: 'tcl' }),
      serialize.bind({ statement: 'tcl' }), serialize.describe({ type: 'P' }), serialize.execute({}),
      serialize.close({ type: 'S', name: 'tcl' }), serialize.sync(),
    ]));
    const extended = await client.untilReady();
    assert.deepEqual(names(extended), [
      'parseComplete', 'parameterDescription', 'noData', 'bindComplete', 'noData', 'commandComplete', 'closeComplete', 'readyForQuery',
    ], sql);
    assert.equal((extended[5] as CommandCompleteMessage).text, tag, sql);
  }
  const session = cluster.sessions('i1').at(-1);
  const transactionMessages = session?.messages.filter((m) => m.sql !== undefined) ?? [];
  assert.equal(transactionMessages.length, 10);
  assert.ok(transactionMessages.every((m) => m.refused === true), 'none reached PostgreSQL');
});

test('on Picodata, BEGIN; INSERT; ROLLBACK keeps the insert; the stand-in keeps it too', { timeout: 10_000 }, async () => {
  const { client } = await login();
  const table = await freshTable(client);
  await query(client, 'BEGIN');
  await query(client, `INSERT INTO ${table} VALUES (1)`);
  const status = (await query(client, `INSERT INTO ${table} VALUES (2)`)).at(-1) as ReadyForQueryMessage;
  assert.equal(status.status, 'I', 'no transaction is open');
  await query(client, 'ROLLBACK');
  // The extended protocol, in one pipeline.
  client.send(Buffer.concat([statement('BEGIN'), statement(`INSERT INTO ${table} VALUES (3)`), statement('ROLLBACK'), serialize.sync()]));
  assert.ok(!names(await client.untilReady()).includes('error'));
  assert.deepEqual(await column(client, `SELECT id FROM ${table} ORDER BY id`), ['1', '2', '3']);
});

test('on Picodata, START TRANSACTION, SAVEPOINT, COPY and TCL with extra words are parse errors (XX000); the stand-in answers the same', { timeout: 10_000 }, async () => {
  const { client } = await login();
  for (const sql of ['START TRANSACTION', 'savepoint s1', 'RELEASE SAVEPOINT s1', 'COPY t FROM STDIN', 'BEGIN WORK', 'ROLLBACK TO SAVEPOINT s1', 'SHOW TimeZone']) {
    const simple = await query(client, sql);
    assert.deepEqual(names(simple), ['error', 'readyForQuery'], sql);
    const error = simple[0] as DatabaseError;
    assert.equal(error.code, 'XX000', sql);
    assert.match(error.message, /^sbroad: rule parsing error: {2}--> 1:\d+\n/, sql);
    assert.equal(error.severity, 'ERROR');
    assert.equal(error.position, undefined, 'only S, C and M');
    client.send(Buffer.concat([statement(sql), serialize.sync()]));
    const extended = await client.untilReady();
    assert.deepEqual(names(extended), ['error', 'readyForQuery'], sql);
    assert.equal((extended[0] as DatabaseError).code, 'XX000', sql);
  }
  const begin = (await query(client, 'BEGIN WORK'))[0] as DatabaseError;
  assert.match(begin.message, /--> 1:7\n/, 'pest stops after the keyword');
});

test('on Picodata, ReadyForQuery always carries I; the stand-in\'s does too', { timeout: 10_000 }, async () => {
  const { client, handshake } = await login();
  const table = await freshTable(client);
  const seen: BackendMessage[] = [...handshake];
  seen.push(...await query(client, 'BEGIN'));
  seen.push(...await query(client, `INSERT INTO ${table} VALUES (1)`));
  seen.push(...await query(client, 'SELECT no_such_column'));
  client.send(Buffer.concat([statement(`INSERT INTO ${table} VALUES (1)`), serialize.sync()]));
  seen.push(...await client.untilReady());
  seen.push(...await query(client, 'COMMIT'));
  const statuses = seen.filter((m): m is ReadyForQueryMessage => m.name === 'readyForQuery').map((m) => m.status);
  assert.deepEqual(statuses, ['I', 'I', 'I', 'I', 'I', 'I']);
});

test('on Picodata, the ParameterStatus after login is its own six whatever the client asks; the stand-in sends exactly those', { timeout: 10_000 }, async () => {
  const { client, handshake } = await login({ TimeZone: 'Asia/Tokyo', DateStyle: 'German', application_name: 'x' });
  const parameters = handshake.filter((m): m is ParameterStatusMessage => m.name === 'parameterStatus')
    .map((m) => [m.parameterName, m.parameterValue]);
  assert.deepEqual(parameters, [
    ['server_version', '15.0'], ['server_encoding', 'UTF8'], ['client_encoding', 'UTF8'],
    ['DateStyle', 'ISO, MDY'], ['integer_datetimes', 'on'], ['TimeZone', 'UTC'],
  ]);
  assert.deepEqual(names(handshake).slice(-7), [...Array(6).fill('parameterStatus'), 'readyForQuery']);
  assert.deepEqual(await column(client, "SELECT '2024-01-02 03:04:05+00'::timestamptz::text"), ['2024-01-02 03:04:05+00'],
    'the TimeZone and DateStyle the client sent changed nothing');
});

test('on Picodata, SET replies SET and changes nothing; the stand-in answers it itself', { timeout: 10_000 }, async () => {
  const { client } = await login();
  for (const sql of ["SET application_name = 'y'", "SET TIME ZONE 'Asia/Tokyo'", 'SET statement_timeout = 1']) {
    const reply = await query(client, sql);
    // PostgreSQL would also report a changed setting with ParameterStatus.
    assert.deepEqual(names(reply), ['commandComplete', 'readyForQuery'], sql);
    assert.equal((reply[0] as CommandCompleteMessage).text, 'SET');
  }
  assert.deepEqual(await column(client, "SELECT '2024-01-02 03:04:05+00'::timestamptz::text"), ['2024-01-02 03:04:05+00']);
  assert.deepEqual(await column(client, 'SELECT pg_sleep(0.01)::text'), [''], 'no statement timeout');
});

test('on Picodata, COPY messages get 0A000 and FunctionCall an IO error and a close; the stand-in answers the same, never PostgreSQL', { timeout: 10_000 }, async () => {
  const { client } = await login();
  client.send(serialize.copyData(Buffer.from('1\n')));
  const copy = await client.untilReady();
  assert.deepEqual(names(copy), ['error', 'readyForQuery']);
  assert.equal((copy[0] as DatabaseError).code, '0A000');
  assert.equal((copy[0] as DatabaseError).message, 'feature is not supported: CopyData(CopyData { data: b"1\\n" })');
  // Inside an extended window the error ends it: the rest up to Sync is skipped.
  client.send(Buffer.concat([serialize.parse({ text: 'SELECT 1' }), serialize.copyDone(), statement('SELECT 2'), serialize.sync()]));
  const window = await client.untilReady();
  assert.deepEqual(names(window), ['parseComplete', 'error', 'readyForQuery']);
  assert.equal((window[1] as DatabaseError).code, '0A000');
  assert.deepEqual(await column(client, 'SELECT 3'), ['3'], 'the session goes on');
  const call = Buffer.from([0x46, 0, 0, 0, 4]); // FunctionCall with an empty body
  client.send(call);
  const error = await client.next() as DatabaseError;
  assert.equal(error.code, '58030');
  await client.closed;
});

test('on Picodata, a pipeline runs each statement as its own autocommit and skips to Sync after an error; the stand-in does the same', { timeout: 10_000 }, async () => {
  cluster.clearSessions();
  const { client } = await login();
  const table = await freshTable(client);
  client.send(Buffer.concat([
    statement(`INSERT INTO ${table} VALUES (1)`),
    statement(`INSERT INTO ${table} VALUES (1)`), // duplicate key: fails
    statement(`INSERT INTO ${table} VALUES (2)`), // never runs
    serialize.sync(),
  ]));
  const window = await client.untilReady();
  assert.deepEqual(names(window), ['parseComplete', 'bindComplete', 'commandComplete', 'parseComplete', 'bindComplete', 'error', 'readyForQuery']);
  assert.equal(names(window).filter((n) => n === 'error').length, 1);
  assert.deepEqual(await column(client, `SELECT id FROM ${table} ORDER BY id`), ['1'], 'the first insert is kept, the third never ran');
  const discarded = cluster.sessions('i1').at(-1)?.messages.filter((m) => m.discarded).map((m) => m.name);
  assert.deepEqual(discarded, ['Parse', 'Bind', 'Execute', 'Sync']);
  // Picodata's test_pipeline_restores_after_error: the next window works, a failed Parse skips the same way.
  client.send(Buffer.concat([
    statement(`INSERT INTO ${table} VALUES (2)`), statement('SELEKT 1'), statement(`INSERT INTO ${table} VALUES (1487)`), serialize.sync(),
    statement(`INSERT INTO ${table} VALUES (3)`), serialize.sync(),
  ]));
  const second = await client.untilReady();
  assert.deepEqual(names(second), ['parseComplete', 'bindComplete', 'commandComplete', 'error', 'readyForQuery']);
  assert.deepEqual(names(await client.untilReady()), ['parseComplete', 'bindComplete', 'commandComplete', 'readyForQuery']);
  assert.deepEqual(await column(client, `SELECT id FROM ${table} ORDER BY id`), ['1', '2', '3']);
});

test('on Picodata, a portal lives until Sync, so a row-limited Execute can be resumed in one window; the stand-in does the same', { timeout: 10_000 }, async () => {
  const { client } = await login();
  client.send(Buffer.concat([
    serialize.parse({ text: 'SELECT generate_series(1, 3)' }), serialize.bind({}),
    serialize.execute({ rows: 2 }), serialize.execute({ rows: 0 }), serialize.sync(),
  ]));
  const window = await client.untilReady();
  assert.deepEqual(names(window), [
    'parseComplete', 'bindComplete', 'dataRow', 'dataRow', 'portalSuspended', 'dataRow', 'commandComplete', 'readyForQuery',
  ]);
});

test('on Picodata, an SQL error is XX000 with only severity, code and message; the stand-in rewrites PostgreSQL\'s', { timeout: 10_000 }, async () => {
  const { client } = await login();
  const table = await freshTable(client);
  await query(client, `INSERT INTO ${table} VALUES (1)`);
  for (const sql of [`INSERT INTO ${table} VALUES (1)`, 'SELECT * FROM no_such_table', 'SELEKT 1']) {
    const [error] = await query(client, sql) as DatabaseError[];
    assert.equal(error?.name, 'error', sql);
    // PostgreSQL would say 23505 with detail, schema, table and constraint; 42P01 and 42601 with a position.
    assert.equal(error?.code, 'XX000', sql);
    assert.equal(error?.severity, 'ERROR', sql);
    assert.deepEqual([error?.detail, error?.position, error?.table, error?.constraint, error?.file], [undefined, undefined, undefined, undefined, undefined], sql);
  }
  client.send(Buffer.concat([serialize.bind({ statement: 'never_prepared' }), serialize.sync()]));
  assert.equal((await client.untilReady() as DatabaseError[])[0]?.code, 'XX000', 'PostgreSQL would say 26000');
});

test('on Picodata, a failed login is 28P01 "authentication failed for user \'u\'" with severity ERROR; the stand-in says the same', { timeout: 10_000 }, async () => {
  const client = await RawClient.connect(cluster.instance('i1').address);
  clients.push(client);
  const { user } = cluster.users.cleartext;
  client.send(serialize.startup({ user, database: cluster.databases.current }));
  assert.equal((await client.next()).name, 'authenticationCleartextPassword');
  client.send(serialize.password('wrong password'));
  const error = await client.next() as DatabaseError;
  assert.deepEqual([error.name, error.code, error.severity, error.message], ['error', '28P01', 'ERROR', `authentication failed for user '${user}'`]);
  await client.closed;
});

test('on Picodata, ordinary statements send no NoticeResponse; the stand-in drops PostgreSQL\'s', { timeout: 10_000 }, async () => {
  const { client } = await login();
  // PostgreSQL sends NOTICE "table ... does not exist, skipping".
  assert.deepEqual(names(await query(client, 'DROP TABLE IF EXISTS fidelity_never_created')), ['commandComplete', 'readyForQuery']);
});
