/**
 * A script that forgets close() still exits once the pool is idle: every timer picots owns is unref()ed,
 * background work (topology reads, probes) does not count as use, and idle connections close after
 * idleTimeout (minSize defaults to 0).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();
const entry = new URL('../../src/index.ts', import.meta.url).href;

/** Runs `body` in a child process; resolves with when it printed `ran` and when it exited (or was killed). */
function runChild(body: string, killAfterMs: number): Promise<{ ranAt: number; exitedAt: number; killed: boolean; output: string }> {
  const script = `import { Client, Pool } from ${JSON.stringify(entry)};\n${body}\nconsole.log('ran', Date.now());`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      const ranAt = Number(/ran (\d+)/.exec(output)?.[1] ?? NaN);
      resolve({ ranAt, exitedAt: Date.now(), killed, output });
    });
  });
}

for (const discovery of [true, false]) {
  test(`a process that never calls close() exits about idleTimeout after its last statement (discovery ${discovery ? 'on' : 'off'})`, { timeout: 60_000 }, async () => {
    const dsn = standIn.dsn('scram', { params: { sslmode: 'disable' } });
    const make = discovery
      ? `new Client({ dsn: ${JSON.stringify(dsn)}, poolSize: 3, idleTimeout: 1000, refreshInterval: 200 })`
      : `new Pool({ dsn: ${JSON.stringify(dsn)}, maxSize: 3, idleTimeout: 1000 })`;
    const { ranAt, exitedAt, killed, output } = await runChild(`const db = ${make};\nawait db.fetchval('SELECT 1');`, 30_000);
    assert.ok(!killed, `the process did not exit by itself within 30 s:\n${output}`);
    assert.ok(Number.isFinite(ranAt), output);
    const after = exitedAt - ranAt;
    // idleTimeout is 1000 ms; the bound is loose because this machine is shared, the behaviour is the point.
    assert.ok(after < 6_000, `exited ${after} ms after its last statement`);
  });
}
