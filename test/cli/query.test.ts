/** `picots query` against the stand-in (PostgreSQL behind Picodata's discovery tables, not Picodata). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { useStandIn } from '../helpers/stand-in.js';
import { runCli } from './run-cli.js';

const standIn = await useStandIn();
const dsn = standIn.dsn('scram');
const password = standIn.users.scram.password;

interface QueryJson {
  command: string;
  rowCount: number | null;
  columns: string[];
  rows: unknown[][];
  instance: { name: string | null; uuid: string | null; address: string };
}

test('duplicate column names are kept, in the table and in --json', { timeout: 30_000 }, async () => {
  const table = await runCli(['query', dsn, 'SELECT 1 AS a, 2 AS a']);
  assert.equal(table.code, 0, table.err);
  assert.equal(table.out, 'a  a\n-  -\n1  2\n(1 row)');
  const json = await runCli(['query', dsn, 'SELECT 1 AS a, 2 AS a', '--json']);
  assert.equal(json.code, 0, json.err);
  const parsed = JSON.parse(json.out) as QueryJson;
  assert.deepEqual(parsed.columns, ['a', 'a']);
  assert.deepEqual(parsed.rows, [[1, 2]], 'rows are arrays in column order');
  const int8 = JSON.parse((await runCli(['query', dsn, 'SELECT $1::int8 AS a, 2 AS a', '9007199254740993', '--json'])).out) as QueryJson;
  assert.deepEqual(int8.rows, [['9007199254740993', 2]], 'int8 as exact strings');
  assert.equal(parsed.command, 'SELECT');
  assert.equal(parsed.rowCount, 1);
});

test('newlines, tabs and escape sequences in values are escaped in the table; --json keeps them exact', { timeout: 30_000 }, async () => {
  const sql = "SELECT 'one' || chr(10) || 'two' AS v, chr(9) || chr(27) || '[2J' AS w UNION ALL SELECT 'x', 'y'";
  const table = await runCli(['query', dsn, sql]);
  assert.equal(table.code, 0, table.err);
  assert.deepEqual(table.out.split('\n'), ['v         w', '--------  ---------', 'one\\ntwo  \\t\\x1b[2J', 'x         y', '(2 rows)']);
  const json = JSON.parse((await runCli(['query', dsn, sql, '--json'])).out) as QueryJson;
  assert.deepEqual(json.rows, [['one\ntwo', '\t\x1b[2J'], ['x', 'y']]);
});

test('DDL prints its tag alone, DML its tag and count', { timeout: 30_000 }, async () => {
  const table = `cli_tag_${randomBytes(4).toString('hex')}`;
  after(() => standIn.sql(`DROP TABLE IF EXISTS ${table}`));
  const create = await runCli(['query', dsn, `CREATE TABLE ${table} (id INT PRIMARY KEY, v TEXT)`]);
  assert.equal(create.code, 0, create.err);
  assert.equal(create.out, 'CREATE TABLE');
  const insert = await runCli(['query', dsn, `INSERT INTO ${table} VALUES ($1, 'a'), (2, 'b')`, '1']);
  assert.equal(insert.out, 'INSERT 2');
  assert.equal((await runCli(['query', dsn, `UPDATE ${table} SET v = 'c' WHERE id = -1`])).out, 'UPDATE 0');
  const ddlJson = JSON.parse((await runCli(['query', dsn, `CREATE INDEX ${table}_v ON ${table} (v)`, '--json'])).out) as QueryJson;
  assert.equal(ddlJson.command, 'CREATE INDEX');
  assert.equal(ddlJson.rowCount, null, 'no count in a DDL tag');
  const deleteJson = JSON.parse((await runCli(['query', dsn, `DELETE FROM ${table}`, '--json'])).out) as QueryJson;
  assert.deepEqual([deleteJson.command, deleteJson.rowCount, deleteJson.columns, deleteJson.rows], ['DELETE', 2, [], []]);
});

test('query says which instance answered: on stderr, and as the instance field of --json', { timeout: 30_000 }, async () => {
  const text = await runCli(['query', dsn, 'SELECT pico_instance_uuid() AS uuid']);
  assert.equal(text.code, 0, text.err);
  const uuid = text.out.split('\n')[2]!.trim();
  const ran = standIn.instances.find((i) => i.uuid === uuid);
  assert.ok(ran, `an instance of the stand-in ran it: ${text.out}`);
  assert.equal(text.err, `answered by ${ran.name} at ${ran.advertisedAddress}`);
  const json = JSON.parse((await runCli(['query', dsn, 'SELECT pico_instance_uuid() AS uuid', '--json'])).out) as QueryJson;
  const named = standIn.instances.find((i) => i.uuid === json.rows[0]![0]);
  assert.ok(named);
  assert.deepEqual(json.instance, { name: named.name, uuid: named.uuid, address: named.advertisedAddress });
});

test('-5 is a parameter without --; with PICOTS_DSN the SQL comes first', { timeout: 30_000 }, async () => {
  const run = await runCli(['query', 'SELECT $1::int * 2 AS n, $2::numeric AS m', '-5', '-1.5', '--json'], { env: { PICOTS_DSN: dsn } });
  assert.equal(run.code, 0, run.err);
  assert.deepEqual((JSON.parse(run.out) as QueryJson).rows, [[-10, '-1.5']]);
});

test('with --json a failed statement is a JSON error on stderr with its SQLSTATE, exit 1', { timeout: 30_000 }, async () => {
  const run = await runCli(['query', dsn, 'SELECT * FROM no_such_table_cli', '--json']);
  assert.equal(run.code, 1);
  assert.equal(run.out, '');
  const { error } = JSON.parse(run.err) as { error: { code: string; message: string; sqlstate?: string; instance?: string } };
  assert.equal(error.sqlstate, '42P01');
  assert.equal(error.code, '42P01');
  assert.match(error.message, /no_such_table_cli/);
  assert.ok(error.instance !== undefined && standIn.instances.some((i) => i.advertisedAddress === error.instance));
  const text = await runCli(['query', dsn, 'SELECT * FROM no_such_table_cli']);
  assert.equal(text.code, 1);
  assert.match(text.err, /^picots query: .*no_such_table_cli.*\(SQLSTATE 42P01, instance /);
});

test('a wrong password fails with exit 1 and is never printed', { timeout: 30_000 }, async () => {
  const wrong = dsn.replace(encodeURIComponent(password), 'Wr0ng-pass');
  assert.notEqual(wrong, dsn);
  for (const argv of [['query', wrong, 'SELECT 1'], ['query', wrong, 'SELECT 1', '--json'], ['topology', wrong]]) {
    const run = await runCli(argv);
    assert.equal(run.code, 1, run.err);
    assert.match(run.err, /28P01|authentication/);
    assert.ok(!run.err.includes('Wr0ng-pass') && !run.out.includes('Wr0ng-pass'), run.err);
  }
});
