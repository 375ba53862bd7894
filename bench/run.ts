/**
 * `npm run bench`: picots against pg, postgres.js and pgbench on one stand-in server.
 *
 * Starts the stand-in (one PostgreSQL on loopback, TLS off), then for each round runs every test with
 * every driver, each in a fresh child process (bench/workloads/<driver>.ts), prints one table per test
 * with the goals from the issue, writes the raw results as JSON under the OS temp directory, and stops
 * the server, also on Ctrl-C and on errors. `npm run bench -- --help` lists the options.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandIn, type StandIn } from '../src/testkit/index.js';
import { Children } from './children.js';
import { describeEnvironment, formatHeader } from './environment.js';
import { evaluateGoals } from './goals.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { writeScripts } from './pgbench.js';
import { byRound, tableRows, type RunRecord } from './records.js';
import { formatGoals, formatTable, LABELS, type TableRow } from './report.js';
import { driverOrder, runOne, type RunContext } from './run-one.js';
import type { ServerTarget, TestId } from './workloads/types.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const UNIT: Record<TestId, string> = { a: 'µs/query', b: 'q/s', c: 'ms/fetch' };

/** Set by Ctrl-C / SIGTERM: no new runs start, and the signal handler stops everything and exits. */
let interrupted = false;

async function runRounds(ctx: RunContext): Promise<RunRecord[]> {
  const { opts } = ctx;
  const records: RunRecord[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const test of opts.tests) {
      for (const driver of driverOrder(ctx, test, round)) {
        if (interrupted) return records;
        const record: RunRecord = { round, test, driver, load: loadavg()[0]! };
        process.stderr.write(`round ${round}/${opts.rounds}  (${test}) ${(LABELS[test][driver] ?? driver).padEnd(24)} `);
        try {
          const m = (record.measurement = await runOne(ctx, test, driver, round));
          process.stderr.write(`${m.value.toFixed(test === 'b' ? 0 : 1)} ${UNIT[test]}, CPU ${m.cpu?.toFixed(1) ?? '?'}\n`);
        } catch (error) {
          if (interrupted) return records; // the child died of the same Ctrl-C
          record.error = (error as Error).message;
          process.stderr.write(`FAILED\n${record.error}\n`);
        }
        records.push(record);
      }
    }
  }
  return records;
}

async function bench(opts: BenchOptions, scratch: string, started: (s: StandIn) => void): Promise<number> {
  const loadBefore = loadavg()[0]!;
  const standIn = await startStandIn({ instances: 1, spareAddresses: 0, tls: false });
  started(standIn);
  const instance = standIn.instances[0]!;
  const user = standIn.users.scram;
  const server: ServerTarget = {
    host: instance.host,
    port: instance.port,
    user: user.user,
    password: user.password,
    database: standIn.databases.current,
    dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }),
  };
  const env = await describeEnvironment(ROOT, standIn);
  console.log(formatHeader(env, opts.rounds, opts.quick));
  const hasPgbench = env.pgbench !== undefined;
  if (!hasPgbench && opts.drivers.includes('pgbench')) console.log('pgbench is not on PATH: its rows and the goals that need it are skipped.');
  const ctx: RunContext = {
    root: ROOT, children, server, opts, hasPgbench,
    pgbenchScripts: writeScripts(scratch),
    profileDir: join(tmpdir(), `picots-bench-profiles-${Date.now()}`),
  };

  const records = await runRounds(ctx);
  if (interrupted) return new Promise<number>(() => {}); // the signal handler exits

  const d = opts.durations;
  const tables: Partial<Record<TestId, TableRow[]>> = {};
  for (const test of opts.tests) tables[test] = tableRows(records, test, driverOrder(ctx, test, 1), d.rows.count);
  const goals = evaluateGoals(
    (test, driver) => tables[test]?.find((r) => r.driver === driver)?.value,
    (test, driver) => byRound(records, test, driver),
    (test, driver) => tables[test]?.find((r) => r.driver === driver)?.cpu,
  );
  console.log('');
  for (const test of opts.tests) console.log(`${formatTable(test, tables[test]!, d)}\n`);
  console.log(formatGoals(goals));
  const loads = records.length > 0 ? records.map((r) => r.load) : [loadBefore];
  console.log(`\n1-min load average on ${env.cpuCount} CPUs: ${loadBefore.toFixed(2)} before the benchmark started, ` +
    `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} as the runs started (this includes the benchmark's own client and server).`);

  const outDir = join(tmpdir(), 'picots-bench');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, 'latest.json');
  const { password: _password, dsn: _dsn, ...serverShown } = server;
  writeFileSync(outFile, `${JSON.stringify({ environment: { ...env, loadBefore }, options: opts, server: serverShown, records, tables, goals }, null, 2)}\n`);
  console.log(`\nRaw results: ${outFile}`);
  if (opts.cpuProf) console.log(`CPU profiles of the picots children: ${ctx.profileDir}`);
  return records.some((r) => r.error !== undefined) ? 1 : 0;
}

const children = new Children();

async function main(): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'picots-bench-'));
  let standIn: StandIn | undefined;
  let stopping: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    stopping ??= (async () => {
      children.killAll();
      await standIn?.stop();
      rmSync(scratch, { recursive: true, force: true });
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by tsx's CLI), and
    // a second signal without a handler would kill it before the clean-up is done.
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: stopping the children and the stand-in server...`);
      void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    return await bench(opts, scratch, (s) => (standIn = s));
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
