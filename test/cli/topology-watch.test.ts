/**
 * `picots topology` and `--watch`, run in-process against the stand-in (PostgreSQL behind Picodata's
 * discovery tables, not Picodata). Each watch is stopped by its own signal after a fixed number of rounds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useStandIn } from '../helpers/stand-in.js';
import { runCli } from './run-cli.js';

const standIn = await useStandIn();
const dsn = standIn.dsn('scram');
const CLEAR = '\x1b[H\x1b[2J';

/** Runs `picots topology --watch ...` until it has printed `rounds` times, then aborts it as Ctrl-C would. */
async function watchRounds(args: string[], rounds: number, tty: boolean) {
  const ctrlC = new AbortController();
  let printed = 0;
  const run = await runCli(['topology', ...args, '--watch', '--interval', '100'], {
    tty,
    signal: ctrlC.signal,
    onOut: () => {
      if (++printed === rounds) ctrlC.abort();
    },
  });
  return { ...run, printed };
}

test('on a terminal, --watch clears the screen and redraws each round; Ctrl-C ends it with exit 0', { timeout: 30_000 }, async () => {
  const run = await watchRounds([dsn], 2, true);
  assert.equal(run.code, 0, run.err);
  assert.equal(run.printed, 2, 'no round after Ctrl-C');
  const rounds = run.out.split(CLEAR).slice(1);
  assert.equal(rounds.length, 2, 'each round starts by clearing the screen');
  for (const round of rounds) {
    assert.match(round, /^picots topology at \S+, every 100 ms \(Ctrl-C stops\)\n\nname\s+uuid\s+address/);
    for (const i of standIn.instances) assert.match(round, new RegExp(`^${i.name}\\s.*\\syes$`, 'm'));
  }
});

test('when stdout is not a terminal, --watch prints one table after another without escape sequences', { timeout: 30_000 }, async () => {
  const run = await watchRounds([dsn], 2, false);
  assert.equal(run.code, 0, run.err);
  assert.ok(!run.out.includes('\x1b'), 'no ANSI sequences in a pipe');
  assert.equal(run.out.match(/^picots topology at /gm)?.length, 2);
});

test('--watch --json prints one JSON document per line and round', { timeout: 30_000 }, async () => {
  const run = await watchRounds([dsn, '--json'], 2, true);
  assert.equal(run.code, 0, run.err);
  const lines = run.out.split('\n');
  assert.equal(lines.length, 2);
  for (const line of lines) {
    const doc = JSON.parse(line) as { time: string; instances: Array<{ name: string; reachable: boolean }> };
    assert.ok(!Number.isNaN(Date.parse(doc.time)));
    assert.deepEqual(doc.instances.map((i) => [i.name, i.reachable]).sort(), standIn.instances.map((i) => [i.name, true]).sort());
  }
});

test('a round that cannot reach the cluster is shown and the watch goes on', { timeout: 30_000 }, async () => {
  const run = await watchRounds(['postgresql://app:Secret123@127.0.0.1:1/db', '--json'], 2, false);
  assert.equal(run.code, 0, run.err);
  const docs = run.out.split('\n').map((l) => JSON.parse(l) as { error?: { code: string; message: string } });
  assert.equal(docs.length, 2);
  for (const doc of docs) assert.equal(doc.error?.code, 'ERR_PICOTS_CONNECTION');
  assert.ok(!run.out.includes('Secret123'));
});

test('a wrong password ends the watch at once: Picodata locks a user after a few failed logins', { timeout: 30_000 }, async () => {
  const wrong = dsn.replace(encodeURIComponent(standIn.users.scram.password), 'Wr0ng-pass');
  const ctrlC = new AbortController();
  const run = await runCli(['topology', wrong, '--watch', '--interval', '100'], { signal: ctrlC.signal, onOut: () => ctrlC.abort() });
  assert.equal(run.code, 1);
  assert.equal(run.out, '', 'no round was printed');
  assert.match(run.err, /28P01|authentication/);
  assert.ok(!run.err.includes('Wr0ng-pass'));
});

test('picots topology prints every instance once and exits', { timeout: 30_000 }, async () => {
  const run = await runCli(['topology'], { env: { PICOTS_DSN: dsn } });
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^name\s+uuid\s+address\s+tier\s+replicaset\s+state\s+reachable\n/);
  assert.equal(run.out.split('\n').length, 2 + standIn.instances.length);
});
