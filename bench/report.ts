/** Turns summaries into the text tables `npm run bench` prints. Pure: returns strings. */
import type { GoalResult } from './goals.js';
import type { DriverId, Durations } from './options.js';
import { relativeSpread, type Summary } from './stats.js';
import type { TestId } from './workloads/types.js';

export interface TableRow {
  driver: DriverId;
  value: Summary | undefined;
  cpu: Summary | undefined;
  /** Rounds that failed (see the error lines above the tables). */
  failures: number;
  /** Something to say under the table, e.g. the JS types of test (c). */
  note?: string;
}

export const LABELS: Record<TestId, Partial<Record<DriverId, string>>> = {
  a: { picots: 'picots Connection', pg: 'pg.Client', 'postgres.js': 'postgres.js (max 1)', pgbench: 'pgbench -c 1 (C)' },
  b: {
    picots: 'picots Pool (maxSize 4)', pg: 'pg.Pool (max 4)', 'postgres.js': 'postgres.js (max 4)', pgbench: 'pgbench -c 4 -j 2 (C)',
    'pgbench-pipelined': 'pgbench -c 4, 16/Sync (C)',
  },
  c: { picots: 'picots Connection', pg: 'pg.Client', 'postgres.js': 'postgres.js (max 1)' },
};

const UNITS: Record<TestId, { value: string; cpu: string; better: string }> = {
  a: { value: 'µs/query', cpu: 'client CPU µs/query', better: 'lower is better; a peer above 1× is slower than picots' },
  b: { value: 'queries/s', cpu: 'client CPU µs/query', better: 'higher is better; a peer below 1× is slower than picots' },
  c: { value: 'ms/fetch', cpu: 'client CPU ms/fetch', better: 'lower is better; a peer above 1× is slower than picots' },
};

export function title(test: TestId, d: Durations): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  switch (test) {
    case 'a':
      return `(a) sequential SELECT $1::int on one connection: ${n(d.sequential.warmup)} warm-up + ${n(d.sequential.queries)} measured; pgbench -T ${d.pgbenchSeconds.a}`;
    case 'b':
      return `(b) pool of ${d.concurrent.poolSize} connections, ${d.concurrent.callers} concurrent callers: ${d.concurrent.warmupMs / 1000} s warm-up + ${d.concurrent.measureMs / 1000} s measured; pgbench -T ${d.pgbenchSeconds.b}`;
    case 'c':
      return `(c) ${n(d.rows.count)} rows of (int8, text, float8, bool, timestamptz) per fetch: ${d.rows.warmup} warm-up, median of ${d.rows.fetches} per round`;
  }
}

function fmt(test: TestId, x: number, cpu = false): string {
  if (test === 'b' && !cpu) return Math.round(x).toLocaleString('en-US');
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function range(test: TestId, s: Summary | undefined, cpu = false): string {
  if (s === undefined) return '—';
  return s.n === 1 ? fmt(test, s.median, cpu) : `${fmt(test, s.median, cpu)} (${fmt(test, s.min, cpu)}–${fmt(test, s.max, cpu)})`;
}

function ratio(peer: Summary | undefined, picots: Summary | undefined): string {
  if (peer === undefined || picots === undefined || picots.median === 0) return '—';
  return `${(peer.median / picots.median).toFixed(2)}× picots`;
}

/** Left-aligned text columns, two spaces apart; numbers right-aligned. */
function columns(rows: string[][], numeric: readonly boolean[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

export function formatTable(test: TestId, rows: readonly TableRow[], durations: Durations): string {
  const u = UNITS[test];
  const picots = rows.find((r) => r.driver === 'picots');
  const body = [['driver', u.value, 'spread', u.cpu, 'figure vs picots', 'CPU vs picots']];
  for (const r of rows) {
    const isPicots = r.driver === 'picots';
    body.push([
      (LABELS[test][r.driver] ?? r.driver) + (r.failures > 0 ? ` [${r.failures} failed]` : ''),
      range(test, r.value),
      r.value && r.value.n > 1 ? `${(relativeSpread(r.value) * 100).toFixed(0)} %` : '',
      range(test, r.cpu, true),
      isPicots ? '' : ratio(r.value, picots?.value),
      isPicots ? '' : ratio(r.cpu, picots?.cpu),
    ]);
  }
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `  ${LABELS[test][r.driver] ?? r.driver}: ${r.note}`);
  return [title(test, durations), columns(body, [false, true, true, true, false, false]), `  (${u.better}; spread = (max − min) / median over rounds)`, ...notes].join('\n');
}

export function formatGoals(goals: readonly GoalResult[]): string {
  const mark = (g: GoalResult): string => (g.pass === undefined ? (g.detail === 'not measured' ? '[ n/a ]' : '[ info ]') : g.pass ? '[ PASS ]' : '[ FAIL ]');
  return ['Goals (from the issue), on the medians:', ...goals.map((g) => `  ${mark(g)} (${g.test}) ${g.goal}: ${g.detail}`)].join('\n');
}
