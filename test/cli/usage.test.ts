/**
 * Usage errors: what `picots` says about a wrong command line, where it says it (stderr) and with which exit
 * code (2). None of these needs a server: a DSN that would be used points at a local TCP listener that
 * counts connections, so a test also proves nothing was sent.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { runCli } from './run-cli.js';

const SECRET = 'S3cret-pw';
let listener: ReturnType<typeof createServer>;
let connections = 0;
let envDsn: string;
const sockets = new Set<Socket>();

before(async () => {
  listener = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  envDsn = `postgresql://app:${SECRET}@127.0.0.1:${(listener.address() as AddressInfo).port}/db`;
});
after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

/** Runs argv and checks the common contract of a usage error: exit 2, nothing on stdout, no password, no connection. */
async function usageError(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const before = connections;
  const run = await runCli(argv, { env });
  assert.equal(run.code, 2, `exit code of picots ${argv.join(' ')}: ${run.err}`);
  assert.equal(run.out, '', 'a usage error prints nothing on stdout');
  assert.ok(!run.err.includes(SECRET), `the password is not printed: ${run.err}`);
  assert.equal(connections, before, 'nothing connected');
  return run.err;
}

test("a DSN that is not a URI is named as such: 'notadsn' is not a postgresql:// URI", async () => {
  const err = await usageError(['topology', 'notadsn']);
  assert.match(err, /^picots topology: 'notadsn' is not a postgresql:\/\/ URI, such as postgresql:\/\/user:password@host:4327$/m);
  assert.match(err, /^usage: picots topology /m);
});

test('keyword/value DSNs and other schemes get their own messages, saying what is accepted', async () => {
  const keyword = await usageError(['topology', `host=h1 user=app password=${SECRET}`]);
  assert.match(keyword, /'host=h1 user=app password=\*\*\*' is a keyword\/value DSN; picots takes only a postgresql:\/\/ URI/);
  const http = await usageError(['topology', `http://app:${SECRET}@h1:4327`]);
  assert.match(http, /'http:\/\/app:\*\*\*@h1:4327' is not a postgresql:\/\/ URI: the scheme 'http:\/\/' is not accepted; use postgresql:\/\/ or postgres:\/\//);
  const noScheme = await usageError(['topology', `app:${SECRET}@h1:4327`]);
  assert.match(noScheme, /'app:\*\*\*@h1:4327' is not a postgresql:\/\/ URI/);
  const badPort = await usageError(['topology', `postgresql://app:${SECRET}@h1:99999`]);
  assert.match(badPort, /bad DSN: the port of host 1 must be an integer from 1 to 65535, got '99999'/);
});

test('an argument that looks like a URI is never run as SQL, even with PICOTS_DSN set', async () => {
  const env = { PICOTS_DSN: envDsn };
  const typo = await usageError(['query', `postgress://app:${SECRET}@h1/db`], env);
  assert.match(typo, /'postgress:\/\/app:\*\*\*@h1\/db' is not a postgresql:\/\/ URI: the scheme 'postgress:\/\/' is not accepted \(did you mean 'postgres:\/\/'\?\)/);
  const other = await usageError(['query', 'mysql://h1/db', 'SELECT 1'], env);
  assert.match(other, /the scheme 'mysql:\/\/' is not accepted/);
  const second = await usageError(['query', envDsn, `postgresql://app:${SECRET}@h2/db`]);
  assert.match(second, /looks like a URI, not SQL/);
  const keyword = await usageError(['query', 'host=h1 dbname=x'], env);
  assert.match(keyword, /is a keyword\/value DSN/);
});

test('PICOTS_DSN is checked like an argument and named in the message', async () => {
  const err = await usageError(['topology'], { PICOTS_DSN: `http://app:${SECRET}@h1` });
  assert.match(err, /^picots topology: PICOTS_DSN: 'http:\/\/app:\*\*\*@h1' is not a postgresql:\/\/ URI/m);
});

test('missing arguments, extra arguments, unknown commands and misplaced options are named', async () => {
  assert.match(await usageError([]), /^picots: a command is needed: topology, query or route$/m);
  assert.match(await usageError(['topology']), /a DSN is needed: give it as the first argument or in PICOTS_DSN/);
  assert.match(await usageError(['query']), /a DSN is needed/);
  assert.match(await usageError(['query', envDsn]), /the SQL statement is missing after the DSN/);
  assert.match(await usageError(['query', 'SELECT 1']), /'SELECT 1' is not a postgresql:\/\/ URI.*or the SQL alone with PICOTS_DSN set/);
  assert.match(await usageError(['topology', envDsn, 'extra']), /one argument is expected, the DSN; also got 'extra'/);
  assert.match(await usageError(['topolgy', envDsn]), /unknown command 'topolgy' \(did you mean 'topology'\?\); the commands are topology, query/);
  assert.match(await usageError(['query', '--watch', envDsn, 'SELECT 1']), /--watch is not an option of query/);
  assert.match(await usageError(['topology', '--interval', '500', envDsn]), /--interval goes with --watch/);
  assert.match(await usageError(['topology', '--watch', '--interval', 'soon', envDsn]), /--interval must be a whole number of milliseconds from 100 to 86400000, got 'soon'/);
  assert.match(await usageError(['topology', '--watch', envDsn, '--interval']), /option '--interval' needs a value: --interval <ms>/);
});

test('unknown options are named, with a suggestion when one is close', async () => {
  assert.match(await usageError(['topology', envDsn, '--bogus']), /^picots: unknown option '--bogus'/m);
  assert.match(await usageError(['topology', envDsn, '--jsn']), /unknown option '--jsn' \(did you mean '--json'\?\)/);
  assert.match(await usageError(['query', envDsn, 'SELECT 1', '-x']), /unknown option '-x'/);
  assert.match(await usageError(['topology', envDsn, '--json=yes']), /option '--json' takes no value/);
});

test('--help, -h and `help <command>` print usage on stdout with exit 0', async () => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const run = await runCli(argv);
    assert.equal(run.code, 0);
    assert.equal(run.err, '');
    assert.match(run.out, /^usage:\n {2}picots topology .*\n.*\n {2}picots query /);
    assert.match(run.out, /exit codes: 0 done, 1 failed, 2 wrong usage, 130 interrupted by Ctrl-C/);
  }
  for (const argv of [['topology', '--help'], ['help', 'topology']]) {
    const run = await runCli(argv);
    assert.equal(run.code, 0);
    assert.match(run.out, /--interval <ms>/);
    assert.doesNotMatch(run.out, /picots query/, 'one command only');
  }
});

test('--version and -V print the version in package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const run = await runCli([flag]);
    assert.equal(run.code, 0);
    assert.equal(run.out, `picots ${version}`);
  }
});

test('with --json a usage error is one JSON document on stderr', async () => {
  for (const argv of [['topology', 'notadsn', '--json'], ['--json', '--bogus']]) {
    const run = await runCli(argv);
    assert.equal(run.code, 2);
    assert.equal(run.out, '');
    const parsed = JSON.parse(run.err) as { error: { code: string; message: string } };
    assert.equal(parsed.error.code, 'ERR_PICOTS_USAGE');
    assert.ok(parsed.error.message.length > 0);
  }
});
