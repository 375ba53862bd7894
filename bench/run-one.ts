/** Runs one driver on one test once: a workload child for the Node drivers, pgbench for the C reference. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Children } from './children.js';
import type { BenchOptions, DriverId } from './options.js';
import { PIPELINE_DEPTH, runPgbench } from './pgbench.js';
import { LABELS } from './report.js';
import { CONFIG_ENV, type Measurement, type ServerTarget, type TestId, type WorkloadConfig } from './workloads/types.js';

const WORKLOAD_FILES: Partial<Record<DriverId, string>> = {
  picots: 'bench/workloads/picots.ts',
  pg: 'bench/workloads/pg.ts',
  'postgres.js': 'bench/workloads/postgres-js.ts',
};

export interface RunContext {
  /** The repository root: the children run there, so `--import tsx` and the workload paths resolve. */
  root: string;
  children: Children;
  server: ServerTarget;
  opts: BenchOptions;
  /** The pgbench script files. */
  pgbenchScripts: { plain: string; pipelined: string };
  /** Where `--cpu-prof` puts the picots children's profiles. */
  profileDir: string;
  hasPgbench: boolean;
}

/** The drivers of `test` in `round`'s order: the list rotates so that no driver always runs first. */
export function driverOrder(ctx: Pick<RunContext, 'opts' | 'hasPgbench'>, test: TestId, round: number): DriverId[] {
  const list = ctx.opts.drivers.filter((d) => LABELS[test][d] !== undefined && (!d.startsWith('pgbench') || ctx.hasPgbench));
  const shift = list.length === 0 ? 0 : (round - 1) % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

export function runOne(ctx: RunContext, test: TestId, driver: DriverId, round: number): Promise<Measurement> {
  const d = ctx.opts.durations;
  if (driver === 'pgbench' || driver === 'pgbench-pipelined') {
    const [clients, threads] = test === 'a' ? [1, 1] : [d.concurrent.poolSize, 2];
    const seconds = test === 'a' ? d.pgbenchSeconds.a : d.pgbenchSeconds.b;
    const pipelined = driver === 'pgbench-pipelined';
    return runPgbench(ctx.children, ctx.server, {
      test, clients, threads, seconds,
      script: pipelined ? ctx.pgbenchScripts.pipelined : ctx.pgbenchScripts.plain,
      statementsPerTransaction: pipelined ? PIPELINE_DEPTH : 1,
    });
  }
  const config: WorkloadConfig = { test, server: ctx.server, sequential: d.sequential, concurrent: d.concurrent, rows: d.rows };
  let nodeFlags: string[] = [];
  if (ctx.opts.cpuProf && driver === 'picots') {
    // One directory per run: tsx's loader thread writes a profile of its own next to the main thread's.
    const dir = join(ctx.profileDir, `${test}-round${round}`);
    mkdirSync(dir, { recursive: true });
    nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  }
  return ctx.children.workload(WORKLOAD_FILES[driver]!, { ...process.env, [CONFIG_ENV]: JSON.stringify(config) }, {
    cwd: ctx.root,
    nodeFlags,
    timeoutMs: 120_000,
  });
}
