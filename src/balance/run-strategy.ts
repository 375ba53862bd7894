/**
 * Running a user's strategy safely. A custom strategy is user code inside the query path: when it throws,
 * returns a Promise, or returns something that is not one of its candidates (a copy, `undefined`, an
 * index), the runner reports a clear {@link StrategyError} next to a fallback pick. The router raises that
 * error, so the statement fails with it and nothing else happens: no connection was leased yet, so none
 * is lost.
 *
 * @example
 * ```ts
 * const { picked, error } = runConnectionStrategy(userStrategy, idleConnections);
 * if (error) throw error;
 * ```
 */
import { PicotsError } from '../errors.js';
import type { BalanceContext, ConnectionStrategy, InstanceInfo, NodeStrategy } from './instance-info.js';

/** A user-supplied strategy misbehaved (threw, returned a Promise, or returned a non-candidate); the statement or `acquire()` fails with this error. */
export class StrategyError extends PicotsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PICOTS_STRATEGY', message, options);
  }
}

/** What {@link runStrategy} returns: a pick (the fallback when the strategy's own was unusable), and the error in that case. */
export interface StrategyRun<T> {
  readonly picked: T;
  readonly error: StrategyError | undefined;
}

/** Options of {@link runStrategy} and {@link validateStrategyResult}. */
export interface StrategyCheckOptions<T> {
  /** How to name the strategy in messages. Default `'balance strategy'`. */
  name?: string;
  /**
   * Accepts a result that is not one of the candidates by identity but stands for one (e.g. a copy with the
   * same uuid); returns the candidate. Default: identity only.
   */
  resolve?: (candidates: readonly T[], result: unknown) => T | undefined;
  /** The pick to use when the strategy fails. Default: the first candidate. */
  fallback?: (candidates: readonly T[]) => T;
}

/**
 * Returns `result` when it is one of `candidates` (or resolves to one); throws a {@link StrategyError}
 * that says what was wrong otherwise.
 *
 * @example validateStrategyResult([c1, c2], c2) // c2
 */
export function validateStrategyResult<T>(candidates: readonly T[], result: unknown, opts: StrategyCheckOptions<T> = {}): T {
  const name = opts.name ?? 'balance strategy';
  if (isThenable(result)) throw new StrategyError(`${name} returned a Promise; it must return one of its candidates synchronously`);
  if ((candidates as readonly unknown[]).includes(result)) return result as T;
  const resolved = opts.resolve?.(candidates, result);
  if (resolved !== undefined) return resolved;
  throw new StrategyError(`${name} returned ${what(result)}, which is not one of the ${candidates.length} candidates it was given`);
}

/**
 * Calls a strategy through `call`, validates its result, and falls back instead of throwing. Throws only
 * when `candidates` is empty (there is nothing to fall back on; callers never offer an empty list).
 *
 * @example runStrategy(() => strategy(list, ctx), list, { name: 'balanceStrategy' })
 */
export function runStrategy<T>(call: () => unknown, candidates: readonly T[], opts: StrategyCheckOptions<T> = {}): StrategyRun<T> {
  if (candidates.length === 0) throw new StrategyError(`${opts.name ?? 'balance strategy'} has no candidates to choose from`);
  let error: StrategyError;
  try {
    return { picked: validateStrategyResult(candidates, call(), opts), error: undefined };
  } catch (e) {
    error = e instanceof StrategyError ? e : new StrategyError(`${opts.name ?? 'balance strategy'} threw: ${messageOf(e)}`, { cause: e });
  }
  const picked = opts.fallback ? opts.fallback(candidates) : candidates[0];
  return { picked: picked!, error };
}

/**
 * Runs a node-level strategy. A returned object that is not a candidate but has a candidate's `uuid` (a
 * spread copy) is accepted as that candidate.
 *
 * @example const { picked, error } = runNodeStrategy(strategy, online, { attempt: 1, exclude: new Set() })
 */
export function runNodeStrategy(
  strategy: NodeStrategy, candidates: readonly InstanceInfo[], ctx: BalanceContext,
  opts: Omit<StrategyCheckOptions<InstanceInfo>, 'resolve'> & { copy?: boolean } = {},
): StrategyRun<InstanceInfo> {
  // A user's strategy may sort or splice its list (its type allows a mutable array): it gets a copy, so
  // the caller's list, which maps picks back to members, stays as it was. Built-ins are trusted with it.
  const call = opts.copy ? () => strategy(candidates.slice(), ctx) : () => strategy(candidates, ctx);
  return runStrategy(call, candidates, { ...opts, resolve: byUuid });
}

/**
 * Runs a picopyn-style connection strategy; only one of the very objects it was given is accepted. The
 * strategy gets its own copy of the list (it may sort or splice it).
 *
 * @example const { picked } = runConnectionStrategy((conns) => conns[conns.length - 1], idle)
 */
export function runConnectionStrategy<C>(
  strategy: ConnectionStrategy<C>, connections: readonly C[], opts: Omit<StrategyCheckOptions<C>, 'resolve'> = {},
): StrategyRun<C> {
  return runStrategy(() => strategy(connections.slice()), connections, opts);
}

function byUuid(candidates: readonly InstanceInfo[], result: unknown): InstanceInfo | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const uuid = (result as { uuid?: unknown }).uuid;
  return typeof uuid === 'string' ? candidates.find((c) => c.uuid === uuid) : undefined;
}

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** Describes a wrong result without dumping it (it may be a connection object with a password inside). */
function what(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'number') return `the number ${value} (return the candidate itself, not its index)`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const uuid = (value as { uuid?: unknown }).uuid;
    return typeof uuid === 'string' ? `an object with uuid ${uuid} that matches no candidate` : 'an object';
  }
  return `a ${typeof value}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
