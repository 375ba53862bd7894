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

export function evaluateGoals(get: Lookup, perRound?: PerRound): GoalResult[] {
  const m = (test: TestId, driver: DriverId): number | undefined => get(test, driver)?.median;
  const pgPool = m('b', 'pg');
  const pgbenchB = m('b', 'pgbench');
  const pgbenchA = m('a', 'pgbench');
  const postgresJs = m('c', 'postgres.js');
  const goals = [
    check('b', 'picots ≥ 3× pg.Pool', m('b', 'picots'), pgPool === undefined ? undefined : 3 * pgPool, true,
      (p, l) => `${qps(p)} = ${(p / pgPool!).toFixed(2)}× pg.Pool (needs ≥ ${qps(l)})`),
    check('b', 'picots ≥ pgbench -c 4', m('b', 'picots'), pgbenchB, true,
      (p, l) => `${qps(p)} vs pgbench ${qps(l)} (${(p / l).toFixed(2)}×)`),
    check('a', 'picots latency ≤ 1.5× pgbench', m('a', 'picots'), pgbenchA === undefined ? undefined : 1.5 * pgbenchA, false,
      (p, l) => `${p.toFixed(1)} µs = ${(p / pgbenchA!).toFixed(2)}× pgbench's ${pgbenchA!.toFixed(1)} µs (needs ≤ ${l.toFixed(1)} µs)`),
    check('c', 'picots no slower than postgres.js', m('c', 'picots'), postgresJs, false,
      (p, l) => `${p.toFixed(1)} ms vs postgres.js ${l.toFixed(1)} ms (${(p / l).toFixed(2)}×)`),
  ];
  const peers: DriverId[] = ['pg', 'pgbench', 'pgbench', 'postgres.js'];
  return goals.map((g, i) => (g.pass === undefined ? g : { ...g, detail: g.detail + roundRatios(perRound, g.test, peers[i]!) }));
}
