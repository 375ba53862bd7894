/**
 * Built-in node-level strategies. Each export is a factory: the strategy it returns keeps its own state
 * (a cursor), so two clients never share one.
 *
 * Every built-in avoids the instances in `ctx.exclude` (those this query already failed on) as long as
 * another candidate is left, and copes with a candidate list that changes size between calls: picodata-go's
 * random strategy indexed past the end of a list that had shrunk.
 *
 * @example
 * ```ts
 * const pick = leastBusy();
 * const node = pick(candidates, { attempt: 1, exclude: new Set() });
 * ```
 */
import { ConfigError } from '../errors.js';
import { describe } from '../config/validate.js';
import type { BalanceContext, InstanceInfo, NodeStrategy } from './instance-info.js';
import { oldestRunningMs } from './live-instance.js';

/** The strategies made by the factories below: trusted with live instance views (no snapshot per call). */
const builtIns = new WeakSet<NodeStrategy>();

function builtIn(strategy: NodeStrategy): NodeStrategy {
  builtIns.add(strategy);
  return strategy;
}

/** Whether `fn` was made by one of picots' own strategy factories. */
export function isBuiltInStrategy(fn: unknown): boolean {
  return typeof fn === 'function' && builtIns.has(fn as NodeStrategy);
}

/** Options shared by the built-ins. */
export interface StrategyOptions {
  /** A source of numbers in `[0, 1)`; default `Math.random`. For tests. */
  random?: () => number;
}

/** Options of {@link roundRobin}. */
export interface RoundRobinOptions extends StrategyOptions {
  /**
   * Position of the first pick. Default: random, so that many processes started together do not all begin
   * on the first instance (yugabyte-db#22253).
   */
  start?: number;
}

/**
 * Each candidate in turn. The cursor is reduced modulo the current list length at every call, so it is
 * always in range however the list grows or shrinks.
 *
 * @example const strategy = roundRobin({ start: 0 }); strategy([a, b], ctx) // a, then b, then a...
 */
export function roundRobin(opts: RoundRobinOptions = {}): NodeStrategy {
  const random = opts.random ?? Math.random;
  let cursor = opts.start ?? Math.floor(random() * 2 ** 31);
  if (!Number.isSafeInteger(cursor) || cursor < 0) throw new ConfigError('start', `must be an integer >= 0, got ${describe(cursor)}`);
  return builtIn(function roundRobinStrategy(candidates, ctx) {
    const list = preferRoom(avoidExcluded(candidates, ctx));
    const i = cursor % list.length;
    // Keep the cursor small: it only needs to be right modulo the next call's length.
    cursor = i + 1;
    return list[i]!;
  });
}

/**
 * A uniformly random candidate.
 *
 * @example const strategy = random(); strategy(candidates, ctx)
 */
export function random(opts: StrategyOptions = {}): NodeStrategy {
  const rnd = opts.random ?? Math.random;
  return builtIn(function randomStrategy(candidates, ctx) {
    const list = preferRoom(avoidExcluded(candidates, ctx));
    return list[randomIndex(rnd, list.length)]!;
  });
}

/**
 * Power of two choices: picks two distinct candidates at random and keeps the less busy one, where busy is
 * `inFlight / max(total, 1)` (the share of its connections in use, counting queries still waiting for one);
 * on a tie the lower latency wins, and an instance with no latency sample yet counts as fastest so that it
 * gets traffic and a sample. Two random choices avoid the herd effect of always taking the global minimum
 * (every client would pile onto the same idle node at once) while still steering away from a slow node.
 *
 * @example const strategy = leastBusy(); strategy(candidates, ctx)
 */
export function leastBusy(opts: StrategyOptions = {}): NodeStrategy {
  const rnd = opts.random ?? Math.random;
  return builtIn(function leastBusyStrategy(candidates, ctx) {
    const list = preferRoom(avoidExcluded(candidates, ctx));
    const n = list.length;
    if (n === 1) return list[0]!;
    const i = randomIndex(rnd, n);
    let j = randomIndex(rnd, n - 1);
    if (j >= i) j++;
    return lessBusy(list[i]!, list[j]!);
  });
}

/** A built-in's name, as `balanceStrategy` takes it. */
export type BuiltInStrategyName = 'round-robin' | 'random' | 'least-busy';

/** The names under which the built-ins can be chosen in options. */
export const BUILT_IN_STRATEGIES = {
  'round-robin': roundRobin,
  random,
  'least-busy': leastBusy,
} as const satisfies Record<BuiltInStrategyName, (opts?: StrategyOptions) => NodeStrategy>;

/** The default strategy's name. */
export const DEFAULT_STRATEGY: BuiltInStrategyName = 'round-robin';

/**
 * Validates a `balanceStrategy` option: a built-in's name or a function. Returns a fresh strategy.
 *
 * @example nodeStrategyOption('balanceStrategy', 'least-busy') // a new leastBusy() strategy
 */
export function nodeStrategyOption(option: string, value: unknown, opts: StrategyOptions = {}): NodeStrategy {
  if (value === undefined) return BUILT_IN_STRATEGIES[DEFAULT_STRATEGY](opts);
  if (typeof value === 'function') return value as NodeStrategy;
  if (typeof value === 'string' && Object.hasOwn(BUILT_IN_STRATEGIES, value)) {
    return BUILT_IN_STRATEGIES[value as BuiltInStrategyName](opts);
  }
  const names = Object.keys(BUILT_IN_STRATEGIES).map((k) => `'${k}'`).join(', ');
  throw new ConfigError(option, `must be one of ${names} or a function (candidates, ctx) => candidate, got ${describe(value)}`);
}

function lessBusy(a: InstanceInfo, b: InstanceInfo): InstanceInfo {
  const la = load(a);
  const lb = load(b);
  if (la !== lb) return la < lb ? a : b;
  // Unknown latency counts as 0: the instance gets picked, and so measured.
  return (b.latencyMs ?? 0) < (a.latencyMs ?? 0) ? b : a;
}

function load(c: InstanceInfo): number {
  return c.inFlight / Math.max(1, c.total);
}

/**
 * The candidates not in `ctx.exclude`, or all of them when that would leave none (trying a failed node
 * again beats failing outright). Allocates only when something is excluded.
 */
function avoidExcluded(candidates: readonly InstanceInfo[], ctx: BalanceContext): readonly InstanceInfo[] {
  if (candidates.length === 0) throw new RangeError('a balancing strategy was called with no candidates');
  if (ctx.exclude.size === 0) return candidates;
  const kept = candidates.filter((c) => !ctx.exclude.has(c.uuid));
  return kept.length > 0 ? kept : candidates;
}

/**
 * The candidates with a free connection (fewer statements in flight than connections they may have), when
 * some have one and some do not: a statement sent to a busy instance waits behind whatever runs there,
 * however long, while another instance could run it at once. When all or none have room, all of them (under
 * load every instance pipelines). Allocates only in the mixed case.
 */
function preferRoom(candidates: readonly InstanceInfo[]): readonly InstanceInfo[] {
  let free = 0;
  for (const c of candidates) if (hasRoom(c)) free++;
  if (free === candidates.length) return candidates;
  if (free > 0) return candidates.filter(hasRoom);
  // Every instance is busy (under load they all pipeline): avoid the ones stuck behind a long statement.
  // The freshest instance's oldest statement is the yardstick, besides the latency average: on a loaded
  // machine the average swells, and a statement placed in the same tick as others would otherwise queue
  // behind one that has run far longer than anything elsewhere.
  // Each age is read once, against one reading of the clock: the yardstick and every candidate's test use
  // the same ages, though a statement's age grows while we look.
  const n = candidates.length;
  if (ages.length < n) ages = new Float64Array(Math.max(n, 2 * ages.length));
  const now = performance.now();
  let freshest = Infinity;
  for (let i = 0; i < n; i++) {
    const age = oldestRunningMs(candidates[i]!, now);
    ages[i] = age;
    if (age < freshest) freshest = age;
  }
  let flowing: InstanceInfo[] | undefined;
  for (let i = 0; i < n; i++) if (!isStuck(candidates[i]!, ages[i]!, freshest)) (flowing ??= []).push(candidates[i]!);
  return flowing === undefined || flowing.length === n ? candidates : flowing;
}

function hasRoom(c: InstanceInfo): boolean {
  return c.inFlight < c.maxConnections;
}

/** Below this age a running statement is never taken for a stuck one, whatever the latency average says. */
const STUCK_FLOOR_MS = 20;

/**
 * Its oldest running statement has run far longer than its statements usually take, or far longer than the
 * oldest one on the freshest busy instance (`freshestMs`).
 */
/** Readings of `oldestRunningMs` during one `preferRoom` call; reused, so a call allocates nothing for them. */
let ages = new Float64Array(16);

function isStuck(c: InstanceInfo, ageMs: number, freshestMs: number): boolean {
  const usual = Math.min(4 * (c.latencyMs ?? 0), STUCK_FLOOR_MS + 4 * freshestMs);
  return ageMs > Math.max(STUCK_FLOOR_MS, usual);
}

/** An index in `[0, n)`, even if `random()` returns 1 or garbage. */
function randomIndex(random: () => number, n: number): number {
  const r = random();
  const i = Math.floor((Number.isFinite(r) ? r : 0) * n);
  return Math.min(n - 1, Math.max(0, i));
}
