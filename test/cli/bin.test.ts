/**
 * The `picots` executable as a user runs it (node + tsx on src/cli/bin.ts): the streams and exit codes, and
 * Ctrl-C (SIGINT) during a long statement and during --watch. Each child is killed after a bound.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { useStandIn } from '../helpers/stand-in.js';
import { eventually } from '../helpers/wait.js';
import { spawnCli } from './run-cli.js';

const standIn = await useStandIn();
const dsn = standIn.dsn('scram');

test('help on stdout with exit 0, usage errors on stderr with exit 2, the version from package.json', { timeout: 90_000 }, async () => {
  const [help, wrong, version] = await Promise.all([
    spawnCli(['--help']).exit(45_000),
    spawnCli(['topology', 'notadsn']).exit(45_000),
    spawnCli(['--version']).exit(45_000),
  ]);
  assert.deepEqual([help.code, help.err], [0, '']);
  assert.match(help.out, /^usage:\n/);
  assert.deepEqual([wrong.code, wrong.out], [2, '']);
  assert.match(wrong.err, /^picots topology: 'notadsn' is not a postgresql:\/\/ URI/);
  const { version: expected } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.deepEqual([version.code, version.out], [0, `picots ${expected}\n`]);
});

test('Ctrl-C during a long statement says so, closes the connections and exits with 130', { timeout: 90_000 }, async () => {
  const marker = `cli_interrupt_${randomBytes(4).toString('hex')}`;
  const sql = `SELECT pg_sleep(60) AS ${marker}`;
  const running = `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = '${sql}'`;
  after(() => standIn.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = '${sql}'`));
  const cli = spawnCli(['query', sql], { PICOTS_DSN: dsn });
  assert.ok(await eventually(async () => (await standIn.sql(running)).trim() === '1', 45_000, 100), `the statement never started: ${cli.err()}`);
  cli.child.kill('SIGINT');
  const run = await cli.exit(20_000);
  assert.ok(!run.killed, 'it exited by itself: nothing kept it alive');
  assert.deepEqual([run.code, run.signal], [130, null]);
  assert.equal(run.out, '');
  assert.equal(run.err, 'picots query: interrupted by Ctrl-C; the statement had been sent and may still run to completion on the server\n');
});

test('Ctrl-C ends topology --watch with exit 0; in a pipe the rounds are plain text', { timeout: 90_000 }, async () => {
  const cli = spawnCli(['topology', '--watch', '--interval', '100'], { PICOTS_DSN: dsn });
  const rounds = (): number => cli.out().match(/^picots topology at /gm)?.length ?? 0;
  assert.ok(await eventually(() => rounds() >= 2, 45_000, 50), `fewer than two rounds: ${cli.err()}`);
  cli.child.kill('SIGINT');
  const run = await cli.exit(20_000);
  assert.ok(!run.killed, 'it exited by itself');
  assert.deepEqual([run.code, run.signal, run.err], [0, null, '']);
  assert.ok(!run.out.includes('\x1b'));
  for (const i of standIn.instances) assert.match(run.out, new RegExp(`^${i.name}\\s`, 'm'));
});
