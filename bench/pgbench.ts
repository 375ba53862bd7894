/**
 * pgbench, the C reference: the same `SELECT :x::int` with prepared statements. Its client CPU comes
 * from the kernel: a shell runs pgbench, then prints its own /proc stat line, whose cutime/cstime are
 * then exactly pgbench's (the only child reaped so far).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Children } from './children.js';
import type { Measurement, ServerTarget, TestId } from './workloads/types.js';

const SCRIPT = '\\set x random(1, 1000)\nSELECT :x::int;\n';
/** Statements per Sync in the pipelined script: the ceiling a client reaches by sharing Syncs. */
export const PIPELINE_DEPTH = 16;
const PIPELINED_SCRIPT = `\\set x random(1, 1000)\n\\startpipeline\n${'SELECT :x::int;\n'.repeat(PIPELINE_DEPTH)}\\endpipeline\n`;
const WRAPPER = 'pgbench "$@"; rc=$?; echo "PROC_STAT $(cat /proc/$$/stat)" >&2; exit $rc';

/** `pgbench --version`, or undefined when it is not on PATH. */
export function pgbenchVersion(): string | undefined {
  try {
    return execFileSync('pgbench', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
  } catch {
    return undefined;
  }
}

/** Writes the pgbench scripts into `dir`: one statement per transaction, and {@link PIPELINE_DEPTH} per Sync. */
export function writeScripts(dir: string): { plain: string; pipelined: string } {
  const plain = join(dir, 'select-int.sql');
  const pipelined = join(dir, 'select-int-pipelined.sql');
  writeFileSync(plain, SCRIPT);
  writeFileSync(pipelined, PIPELINED_SCRIPT);
  return { plain, pipelined };
}

const clockTicks = (): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
};

export interface PgbenchRun {
  test: TestId;
  clients: number;
  threads: number;
  seconds: number;
  script: string;
  /** Statements per pgbench transaction (the pipelined script runs several). */
  statementsPerTransaction: number;
}

/**
 * Runs pgbench; `value` is the average latency in µs for (a) (clients / tps) and statements/s for (b), `cpu`
 * pgbench's own CPU per statement in µs (connection set-up included; `null` when /proc could not be read).
 */
export async function runPgbench(children: Children, server: ServerTarget, run: PgbenchRun): Promise<Measurement> {
  const args = [
    '-n', '-M', 'prepared', '-c', String(run.clients), '-j', String(run.threads), '-T', String(run.seconds), '-f', run.script,
    '-h', server.host, '-p', String(server.port), '-U', server.user, server.database,
  ];
  const env = { ...process.env, PGPASSWORD: server.password, PGSSLMODE: 'disable' };
  const done = await children.run('sh', ['-c', WRAPPER, 'sh', ...args], { env, timeoutMs: (run.seconds + 30) * 1000 });
  const out = done.stdout;
  const number = (re: RegExp): number | undefined => {
    const m = re.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const latencyMs = number(/latency average = ([\d.]+) ms/);
  const tps = number(/tps = ([\d.]+) \(without initial connection time\)/);
  const transactions = number(/number of transactions actually processed: (\d+)/);
  const failed = number(/number of failed transactions: (\d+)/) ?? 0;
  if (done.code !== 0 || latencyMs === undefined || tps === undefined || transactions === undefined || failed > 0) {
    throw new Error(`pgbench failed (exit ${done.code ?? done.signal}):\n${(done.stderr + out).trim().split('\n').slice(-15).join('\n')}`);
  }
  const cpuSeconds = childCpuSeconds(done.stderr);
  const k = run.statementsPerTransaction;
  return {
    // Latency from tps rather than pgbench's "latency average", which is printed in whole µs.
    value: run.test === 'a' ? (1e6 * run.clients) / tps : tps * k,
    cpu: cpuSeconds === undefined ? null : (cpuSeconds * 1e6) / (transactions * k),
    detail: { latencyMs, tps, transactions, statementsPerTransaction: k, clients: run.clients, threads: run.threads, seconds: run.seconds, cpuSeconds },
  };
}

/** cutime + cstime (fields 16 and 17) of the wrapper shell's stat line, in seconds. */
function childCpuSeconds(stderr: string): number | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith('PROC_STAT '));
  if (line === undefined) return undefined;
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  const ticks = Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) ? ticks / clockTicks() : undefined;
}
