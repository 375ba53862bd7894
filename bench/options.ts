/** Command-line options of `npm run bench` and the durations they imply. */
import { parseArgs } from 'node:util';
import type { TestId } from './workloads/types.js';

export type DriverId = 'picots' | 'pg' | 'postgres.js' | 'pgbench' | 'pgbench-pipelined';
export const DRIVERS: readonly DriverId[] = ['picots', 'pg', 'postgres.js', 'pgbench', 'pgbench-pipelined'];
export const TESTS: readonly TestId[] = ['a', 'b', 'c'];

export interface Durations {
  sequential: { warmup: number; queries: number };
  concurrent: { poolSize: number; callers: number; warmupMs: number; measureMs: number };
  rows: { warmup: number; fetches: number; count: number };
  /** pgbench `-T` for (a) and (b), whole seconds. */
  pgbenchSeconds: { a: number; b: number };
}

export interface BenchOptions {
  rounds: number;
  quick: boolean;
  tests: TestId[];
  drivers: DriverId[];
  /** Write V8 CPU profiles of the picots children (`node --cpu-prof`); slows them a little. */
  cpuProf: boolean;
  durations: Durations;
}

const FULL: Durations = {
  sequential: { warmup: 2_000, queries: 20_000 },
  concurrent: { poolSize: 4, callers: 64, warmupMs: 1_000, measureMs: 4_000 },
  rows: { warmup: 3, fetches: 15, count: 10_000 },
  pgbenchSeconds: { a: 3, b: 4 },
};

const QUICK: Durations = {
  sequential: { warmup: 500, queries: 5_000 },
  concurrent: { poolSize: 4, callers: 64, warmupMs: 300, measureMs: 1_500 },
  rows: { warmup: 2, fetches: 7, count: 10_000 },
  pgbenchSeconds: { a: 1, b: 1 },
};

export const USAGE = `npm run bench -- [options]

  --rounds N       rounds (default 3; 1 with --quick); every figure is the median over rounds
  --quick          shorter runs (a: 5,000 queries, b: 1.5 s, c: 7 fetches, pgbench 1 s)
  --tests a,b,c    which tests (default all)
  --only LIST      which drivers: picots,pg,postgres.js,pgbench,pgbench-pipelined (default all)
  --cpu-prof       write CPU profiles of the picots children (node --cpu-prof) and print where
  --help`;

/** Parses argv; throws an Error with a message fit for the user on anything it does not understand. */
export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      tests: { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const rounds = values.rounds === undefined ? (quick ? 1 : 3) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number >= 1, not ${values.rounds}`);
  return {
    rounds,
    quick,
    tests: list('--tests', values.tests, TESTS),
    drivers: list('--only', values.only, DRIVERS),
    cpuProf: values['cpu-prof'] ?? false,
    durations: quick ? QUICK : FULL,
  };
}

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`${flag}: unknown ${item}; allowed: ${allowed.join(', ')}`);
  }
  return allowed.filter((a) => items.includes(a));
}
