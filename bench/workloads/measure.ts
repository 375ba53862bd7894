/**
 * The measuring loops every driver runs, and the entry point of a workload child process: it reads its
 * {@link WorkloadConfig} from the environment, runs one test with one driver and prints one result line.
 *
 * Every measured query's result is checked (the value equals the parameter; in (c) every row's values
 * and JS types), so a driver that skips work or returns nonsense fails instead of looking fast.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { rowsSql, verifyRows } from './rows.js';
import { CONFIG_ENV, RESULT_PREFIX, type Driver, type Measurement, type WorkloadConfig } from './types.js';

/** Client CPU (user + system, all threads of this process) since `start`, in µs. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function elapsedUs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1_000;
}

function mismatch(x: number, got: unknown): Error {
  return new Error(`SELECT $1::int with ${x} returned ${typeof got} ${String(got)}`);
}

/** (a) `SELECT $1::int` one after another on one connection. */
async function sequential(driver: Driver, cfg: WorkloadConfig): Promise<Measurement> {
  const { warmup, queries } = cfg.sequential;
  const conn = await driver.connect(cfg.server);
  try {
    for (let x = 1; x <= warmup; x++) {
      const got = await conn.selectInt(x);
      if (got !== x) throw mismatch(x, got);
    }
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let x = 1; x <= queries; x++) {
      const got = await conn.selectInt(x);
      if (got !== x) throw mismatch(x, got);
    }
    const wallUs = elapsedUs(t0);
    const cpuUs = cpuSince(cpu0);
    return { value: wallUs / queries, cpu: cpuUs / queries, detail: { queries, warmup, seconds: wallUs / 1e6 } };
  } finally {
    await conn.close();
  }
}

/** (b) `callers` async loops share a pool of `poolSize` connections; only the window after the warm-up counts. */
async function concurrent(driver: Driver, cfg: WorkloadConfig): Promise<Measurement> {
  const { poolSize, callers, warmupMs, measureMs } = cfg.concurrent;
  const pool = await driver.pool(cfg.server, poolSize);
  let stop = false;
  let failure: unknown;
  let done = 0;
  let next = 0;
  const caller = async (): Promise<void> => {
    try {
      while (!stop) {
        const x = (next = (next % 1_000_000) + 1);
        const got = await pool.selectInt(x);
        if (got !== x) throw mismatch(x, got);
        done++;
      }
    } catch (error) {
      failure ??= error;
      stop = true;
    }
  };
  try {
    const running = Array.from({ length: callers }, caller);
    await sleep(warmupMs);
    const done0 = done;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(measureMs);
    const queries = done - done0;
    const wallUs = elapsedUs(t0);
    const cpuUs = cpuSince(cpu0);
    stop = true;
    await Promise.all(running);
    if (failure !== undefined) throw failure;
    return {
      value: queries / (wallUs / 1e6),
      cpu: cpuUs / queries,
      detail: { queries, seconds: wallUs / 1e6, warmupQueries: done0, poolSize, callers },
    };
  } finally {
    stop = true;
    await pool.close();
  }
}

/** (c) One query returning `count` rows of five types; median over `fetches` after `warmup`. */
async function fetchRows(driver: Driver, cfg: WorkloadConfig): Promise<Measurement> {
  const { warmup, fetches, count } = cfg.rows;
  const sql = rowsSql(count);
  const conn = await driver.connect(cfg.server);
  try {
    let types: string[] = [];
    for (let i = 0; i < warmup; i++) types = verifyRows(await conn.fetchRows(sql), count);
    const wallMs: number[] = [];
    const cpuMs: number[] = [];
    for (let i = 0; i < fetches; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const rows = await conn.fetchRows(sql);
      wallMs.push(elapsedUs(t0) / 1_000);
      cpuMs.push(cpuSince(cpu0) / 1_000);
      types = verifyRows(rows, count); // outside the timed part
    }
    return { value: middle(wallMs), cpu: middle(cpuMs), detail: { fetches, warmup, rows: count, types, wallMs, cpuMs } };
  } finally {
    await conn.close();
  }
}

function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const TESTS = { a: sequential, b: concurrent, c: fetchRows } as const;

/** The body of a workload child: `runWorkload(driver)` is the last line of each driver's file. */
export function runWorkload(driver: Driver): void {
  const raw = process.env[CONFIG_ENV];
  if (raw === undefined) {
    console.error(`this is a workload of bench/run.ts (npm run bench), not a program of its own: ${CONFIG_ENV} is not set`);
    process.exit(2);
  }
  const cfg = JSON.parse(raw) as WorkloadConfig;
  TESTS[cfg.test](driver, cfg).then(
    (m) => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(m)}\n`, () => process.exit(0)),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
