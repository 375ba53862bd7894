/** The table `npm run bench:scale` prints: medians over rounds, with the range and the target. Pure. */
import type { FailoverFigures, ScaleFigures } from './scale-client.js';
import { summarize } from './stats.js';

export interface ScaleContext {
  readonly rounds: number;
  readonly command: string;
  readonly load: string;
  readonly killed: readonly string[];
}

const KIB = 1024;

/** `median (min–max)`, or the median alone when the rounds agree or there is one; `n/a` for none. */
function cell(values: readonly number[], digits = 0): string {
  const finite = values.filter(Number.isFinite);
  const s = summarize(finite);
  if (s === undefined) return 'n/a';
  const f = (x: number) => x.toFixed(digits);
  return s.n === 1 || f(s.min) === f(s.max) ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

function verdict(values: readonly number[], ok: (median: number) => boolean): string {
  const s = summarize(values.filter(Number.isFinite));
  return s === undefined ? '' : ok(s.median) ? 'met' : 'MISSED';
}

/** The report: one row per figure, N=10 and N=100 side by side where both are measured. */
export function formatScaleTable(small: readonly ScaleFigures[], large: readonly ScaleFigures[], ctx: ScaleContext): string {
  const n10 = small[0]?.instances ?? 10;
  const n100 = large[0]?.instances ?? 100;
  const pick = (list: readonly ScaleFigures[], f: (x: ScaleFigures) => number) => list.map(f);
  const fo = (f: (x: FailoverFigures) => number) => large.flatMap((x) => (x.failover ? [f(x.failover)] : []));
  const marginal = large.map((l, i) => {
    const s = small[i];
    return s === undefined ? Number.NaN : (l.heapGrowth - s.heapGrowth) / (l.instances - s.instances) / KIB;
  });
  const marginalRss = large.map((l, i) => {
    const s = small[i];
    return s === undefined ? Number.NaN : (l.rssGrowth - s.rssGrowth) / (l.instances - s.instances) / KIB;
  });
  const stmt10 = pick(small, (x) => x.statementCpuUs);
  const stmt100 = pick(large, (x) => x.statementCpuUs);
  const ratio = stmt100.map((v, i) => v / (stmt10[i] ?? Number.NaN));
  const codes = new Map<string, number>();
  const messages = new Map<string, string>();
  for (const x of large) {
    for (const [code, count] of Object.entries(x.failover?.errors ?? {})) codes.set(code, (codes.get(code) ?? 0) + count);
    for (const [code, message] of Object.entries(x.failover?.messages ?? {})) if (!messages.has(code)) messages.set(code, message);
  }

  const rows: string[][] = [
    ['figure', `N=${n10}`, `N=${n100}`, 'target', ''],
    ['connect() of new Client({ poolSize: 100 }), ms', cell(pick(small, (x) => x.connectMs)), cell(pick(large, (x) => x.connectMs)), '<= 1000 at N=100', verdict(pick(large, (x) => x.connectMs), (m) => m <= 1000)],
    ['  all 100 connections open after, ms', cell(pick(small, (x) => x.openMs)), cell(pick(large, (x) => x.openMs)), '', ''],
    ['heap growth / instance, KiB', cell(pick(small, (x) => x.heapGrowth / x.instances / KIB), 1), cell(pick(large, (x) => x.heapGrowth / x.instances / KIB), 1), '', ''],
    ['RSS growth / instance, KiB', cell(pick(small, (x) => x.rssGrowth / x.instances / KIB), 1), cell(pick(large, (x) => x.rssGrowth / x.instances / KIB), 1), '', ''],
    [`heap per added instance (N=${n10} -> ${n100}), KiB`, '', cell(marginal, 1), '', ''],
    [`RSS per added instance (N=${n10} -> ${n100}), KiB`, '', cell(marginalRss, 1), '', ''],
    ['client CPU / statement (8 concurrent SELECT 1), µs', cell(stmt10, 1), cell(stmt100, 1), 'flat in N', ''],
    ['  ratio N=100 / N=10', '', cell(ratio, 2), '~1', verdict(ratio, (m) => m < 1.3)],
    ['wall time / statement (8 concurrent), µs', cell(pick(small, (x) => x.statementWallUs), 1), cell(pick(large, (x) => x.statementWallUs), 1), '', ''],
    ['client CPU / idle topology refresh (median of 10), ms', cell(pick(small, (x) => x.refreshCpuMs), 2), cell(pick(large, (x) => x.refreshCpuMs), 2), '<= 1', verdict(pick(large, (x) => x.refreshCpuMs), (m) => m <= 1)],
    ['  worst of the 10 refreshes, ms', cell(pick(small, (x) => x.refreshCpuMaxMs), 2), cell(pick(large, (x) => x.refreshCpuMaxMs), 2), '', ''],
    ['  after 300 refreshes (compiled), ms', cell(pick(small, (x) => x.warmRefreshCpuMs), 2), cell(pick(large, (x) => x.warmRefreshCpuMs), 2), '<= 1', verdict(pick(large, (x) => x.warmRefreshCpuMs), (m) => m <= 1)],
    ['instance added (refreshInterval 500): discovered after, ms', '', cell(large.flatMap((x) => (x.join ? [x.join.discoveredMs] : []))), '', ''],
    ['  first statement it answered after, ms', '', cell(large.flatMap((x) => (x.join ? [x.join.trafficMs] : []))), '', ''],
    ['  of which the add itself (listener + psql), ms', '', cell(large.flatMap((x) => (x.join ? [x.join.addMs] : []))), '', ''],
    ['  first statement after the add returned, ms', '', cell(large.flatMap((x) => (x.join ? [x.join.trafficMs - x.join.addMs] : []))), '<~ 500 + connect', ''],
    [`failover, ${ctx.killed.length} killed at once: last attempt on a killed one, ms`, '', cell(fo((f) => f.cleanMs)), '', ''],
    ['  all killed instances quarantined after, ms', '', cell(fo((f) => f.quarantinedMs)), '', ''],
    ['  statement attempts that went to killed instances', '', cell(fo((f) => f.attemptsOnKilled)), '', ''],
    ['  failed reads / reads in the window', '', `${cell(fo((f) => f.failedReads))} / ${cell(fo((f) => f.reads))}`, '0 failed', verdict(fo((f) => f.failedReads), (m) => m === 0)],
    ['  failed writes / writes in the window', '', `${cell(fo((f) => f.failedWrites))} / ${cell(fo((f) => f.writes))}`, '', ''],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((v, c) => v.padEnd(widths[c]!)).join(' | ')} |`;
  const out = [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  const window = large.find((x) => x.failover)?.failover?.windowMs;
  return [
    '',
    `picots on a stand-in cluster (one PostgreSQL behind the gateway; not Picodata), ${ctx.rounds} round(s), medians (min–max)`,
    `command: ${ctx.command}`,
    `load average: ${ctx.load}`,
    '',
    ...out,
    '',
    `failover: instances ${ctx.killed.join(', ')} killed at once (refused + reset) while 8 readers and 2 writers ran;` +
      ` counted over ${window ?? '?'} ms from the kill order; error codes of failed statements: ${codes.size === 0 ? 'none' : [...codes].map(([c, n]) => `${c} x${n}`).join(', ')}`,
    ...[...messages].map(([code, message]) => `  ${code}: ${message}`),
    'memory: growth from before new Client() to after connect() and 1000 statements (gc run first), divided by N; poolSize 100 at both N.',
    '',
  ].join('\n');
}
