/** The performance goals from the issue, checked against the medians. Pure. */
import type { DriverId } from './options.js';
import type { Summary } from './stats.js';
import type { TestId } from './workloads/types.js';

export interface GoalResult {
  test: TestId;
  goal: string;
  /** undefined: a figure it needs was not measured. */
  pass: boolean | undefined;
  detail: string;
}

type Lookup = (test: TestId, driver: DriverId) => Summary | undefined;
/** One driver's figures by round number. */
type PerRound = (test: TestId, driver: DriverId) => ReadonlyMap<number, number>;

const qps = (n: number): string => `${Math.round(n).toLocaleString('en-US')} q/s`;
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** `higher`: picots' figure must be ≥ limit (throughput); otherwise ≤ limit (time). */
function check(test: TestId, goal: string, picots: number | undefined, limit: number | undefined, higher: boolean, describe: (p: number, l: number) => string): GoalResult {
  if (picots === undefined || limit === undefined) return { test, goal, pass: undefined, detail: 'not measured' };
  const pass = higher ? picots >= limit : picots <= limit;
  const miss = higher ? 1 - picots / limit : picots / limit - 1;
  return { test, goal, pass, detail: describe(picots, limit) + (pass ? '' : `; missed by ${pct(miss)}`) };
}

/**
 * picots' figure over the peer's, round by round (both ran in the same round, minutes apart at most):
 * shows whether a miss holds in every round or only in the medians.
 */
function roundRatios(perRound: PerRound | undefined, test: TestId, peer: DriverId): string {
  if (perRound === undefined) return '';
  const mine = perRound(test, 'picots');
  const theirs = perRound(test, peer);
  const ratios = [...mine].filter(([r]) => theirs.has(r)).map(([r, v]) => (v / theirs.get(r)!).toFixed(2));
  return ratios.length > 1 ? ` [picots ÷ ${peer} per round: ${ratios.join(', ')}]` : '';
}

export function evaluateGoals(get: Lookup, perRound?: PerRound, getCpu?: Lookup): GoalResult[] {
  const m = (test: TestId, driver: DriverId): number | undefined => get(test, driver)?.median;
  const picotsB = m('b', 'picots');
  const pgPool = m('b', 'pg');
  const postgresJsB = m('b', 'postgres.js');
  const pgbenchB = m('b', 'pgbench');
  const ceiling = m('b', 'pgbench-pipelined');
  const pgbenchA = m('a', 'pgbench');
  const postgresJsC = m('c', 'postgres.js');
  const times = (factor: number, x: number | undefined): number | undefined => (x === undefined ? undefined : factor * x);
  const cpuB = getCpu?.('b', 'picots')?.median;
  const goals: Array<[GoalResult, DriverId | undefined]> = [
    [check('b', 'picots ≥ 1.3× pgbench -c 4', picotsB, times(1.3, pgbenchB), true,
      (p) => `${qps(p)} = ${(p / pgbenchB!).toFixed(2)}× pgbench's ${qps(pgbenchB!)}`), 'pgbench'],
    [check('b', 'stretch: picots ≥ 1.5× pgbench -c 4', picotsB, times(1.5, pgbenchB), true,
      (p) => `${(p / pgbenchB!).toFixed(2)}× pgbench`), undefined],
    [check('b', 'picots ≥ 5× pg.Pool', picotsB, times(5, pgPool), true,
      (p, l) => `${(p / pgPool!).toFixed(2)}× pg.Pool's ${qps(pgPool!)} (needs ≥ ${qps(l)})`), 'pg'],
    [check('b', 'picots ≥ 5× postgres.js', picotsB, times(5, postgresJsB), true,
      (p, l) => `${(p / postgresJsB!).toFixed(2)}× postgres.js's ${qps(postgresJsB!)} (needs ≥ ${qps(l)})`), 'postgres.js'],
    [check('b', 'picots client CPU ≤ 3 µs/statement', cpuB, cpuB === undefined ? undefined : 3, false,
      (p) => `${p.toFixed(2)} µs/statement`), undefined],
    [check('a', 'picots latency ≤ 1.5× pgbench', m('a', 'picots'), times(1.5, pgbenchA), false,
      (p, l) => `${p.toFixed(1)} µs = ${(p / pgbenchA!).toFixed(2)}× pgbench's ${pgbenchA!.toFixed(1)} µs (needs ≤ ${l.toFixed(1)} µs)`), 'pgbench'],
    [check('c', 'picots ≥ 1.4× faster than postgres.js', m('c', 'picots'), postgresJsC === undefined ? undefined : postgresJsC / 1.4, false,
      (p) => `${p.toFixed(1)} ms vs postgres.js ${postgresJsC!.toFixed(1)} ms (${(postgresJsC! / p).toFixed(2)}× faster)`), 'postgres.js'],
  ];
  const results = goals.map(([g, peer]) => (g.pass === undefined || peer === undefined ? g : { ...g, detail: g.detail + roundRatios(perRound, g.test, peer) }));
  if (picotsB !== undefined && ceiling !== undefined) {
    results.push({ test: 'b', goal: 'for reference: share of the pipelined ceiling', pass: undefined, detail: `picots ${pct(picotsB / ceiling)} of pgbench 16/Sync's ${qps(ceiling)}` });
  }
  return results;
}
