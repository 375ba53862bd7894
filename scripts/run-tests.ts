/**
 * `npm test`: starts one stand-in cluster for the whole run, then runs node's test runner on the test
 * files with the stand-in's description in PICOTS_TEST_STANDIN (see test/helpers/stand-in.ts).
 *
 *   npm test                          every test/**\/*.test.ts
 *   npm test -- test/pool             only files whose path contains one of the arguments
 *   npm test -- --test-name-pattern=x arguments starting with `-` go to node (use the `--flag=value` form)
 *
 * The runner's output reaches stdout unchanged (CI reads its closing summary); this script writes only
 * to stderr. The exit code is the runner's.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, relative, sep } from 'node:path';
import { startStandIn } from '../src/testkit/index.js';
import { STAND_IN_ENV } from '../test/helpers/stand-in-env.js';

const TEST_DIR = 'test';
/** Bound on the whole run, so a hung test cannot hold CI until its own limit; override in ms. */
const RUN_TIMEOUT_MS = Number(process.env.PICOTS_TEST_TIMEOUT_MS ?? 30 * 60_000);
const KILL_GRACE_MS = 10_000;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const nodeFlags = args.filter((a) => a.startsWith('-'));
  const filters = args.filter((a) => !a.startsWith('-')).map((a) => a.replace(/^\.\//, '').split(sep).join('/'));
  const all = await findTestFiles(TEST_DIR);
  const files = filters.length === 0 ? all : all.filter((f) => filters.some((filter) => f.includes(filter)));
  if (files.length === 0) {
    console.error(`run-tests: no test file matches ${filters.join(', ') || `${TEST_DIR}/**/*.test.ts`}`);
    return 1;
  }

  const started = Date.now();
  const standIn = await startStandIn({ instances: 3, tls: true });
  console.error(`run-tests: stand-in cluster (PostgreSQL, not Picodata) on port ${standIn.port} in ${Date.now() - started} ms; ${files.length} test file(s)`);
  try {
    return await runNodeTests(files, nodeFlags, { ...process.env, [STAND_IN_ENV]: JSON.stringify(standIn.describe()) });
  } finally {
    await standIn.stop();
  }
}

function runNodeTests(files: readonly string[], nodeFlags: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...nodeFlags, ...files], { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const signal of signals) process.on(signal, forward);
    const timer = setTimeout(() => {
      console.error(`run-tests: the test run passed ${RUN_TIMEOUT_MS} ms (PICOTS_TEST_TIMEOUT_MS); stopping it`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    }, RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      console.error(`run-tests: could not start node: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

/** Every `*.test.ts` under `dir`, recursively, as sorted `/`-separated paths relative to the repository. */
async function findTestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative('.', join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .filter((f) => !f.split('/').includes('node_modules'))
    .sort();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('run-tests:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
