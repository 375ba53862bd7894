import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

/** Kills the demo if it has not ended by then: a bound on the test, not a figure it checks. */
const HARD_LIMIT_MS = 120_000;

test('npm run demo, off a terminal with a short story: plain lines, the whole story, 0 read errors, exit 0', { timeout: HARD_LIMIT_MS + 10_000 }, async () => {
  // stdout is a pipe here, so the demo writes plain lines; PICOTS_DEMO_MS shortens the story to its minimum.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    env: { ...process.env, PICOTS_DEMO_MS: '6000', PICOTS_DEMO_RATE: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const limit = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(limit);

  assert.equal(code, 0, `exit code ${code}\n${out}\n${err}`);
  assert.ok(!out.includes('\x1b'), 'no escape codes off a terminal');
  for (const line of out.split('\n')) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  assert.match(out, /read errors 0 /);
  assert.match(out, /writes unknown \d+/);
  assert.doesNotMatch(out, /write errors/, 'no write failed other than with an unknown outcome');
  for (const chapter of ['steady load', "i2's process is killed", "i2's process is back", 'i4 is Online', 'the load stops']) {
    assert.ok(out.includes(chapter), `the story reached "${chapter}"\n${out}`);
  }
  assert.match(out, /picots found i4 in zone dc-1 and starts sending it statements/);
  assert.match(out, / i4 \d+\/s/, 'i4 got traffic');
  // The routing chapter: the same 200 keyed statements without and with routeKey, as the gateway saw them.
  assert.match(out, /keyed routing: 100 writes and 100 reads by key, without routeKey/);
  const off = /without routeKey: (\d+) % on the owner \((\d+) of (\d+)\), (\d+) took an extra hop/.exec(out);
  assert.ok(off !== null, `the keyless round's line\n${out}`);
  assert.equal(Number(off[3]), 200, 'the gateway saw every keyed statement of the round');
  // Four replicasets, statements balanced with no regard to the key: about a quarter land on the owner.
  assert.ok(Number(off[2]) < 200, 'without a key, some statements took a hop');
  assert.equal(Number(off[2]) + Number(off[4]), 200);
  assert.match(out, /with routeKey: 100 % on the owner \(200 of 200\), 0 took an extra hop/);
  assert.match(out, /picots' own count, stats\(\)\.keyed: 200 to the owner, 0 fell back/);
  assert.match(out, new RegExp(`Keyed routing: without routeKey ${off[1]} % of the keyed statements`));
  assert.match(out, /with routeKey 100 %\./);
  assert.match(out, /stopped the stand-in cluster/);
});
