/**
 * Up-front checks for user options. Each helper returns the value, typed, or throws a {@link ConfigError}
 * that names the option and what is allowed.
 *
 * Messages show numbers and booleans as given but never the content of a string (it could be a secret put in
 * the wrong field); only {@link oneOf} quotes a string, because it is a misspelt choice, not free text.
 *
 * @example
 * ```ts
 * rejectUnknownKeys('pool options', opts, ['maxSize', 'idleTimeoutMs']);
 * const maxSize = opts.maxSize === undefined ? 10 : positiveInt('maxSize', opts.maxSize);
 * ```
 */
import { ConfigError } from '../errors.js';

/**
 * The longest delay Node's timers honour: a larger one fires at once (with a TimeoutOverflowWarning),
 * so a "wait 30 days" option would silently mean "wait 1 ms".
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An integer in `[min, max]`.
 *
 * @example intInRange('port', 4327, 1, 65535) // 4327
 */
export function intInRange(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(option, `must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

/** An integer >= 1. @example positiveInt('maxSize', 10) */
export function positiveInt(option: string, value: unknown): number {
  return intInRange(option, value, 1, Number.MAX_SAFE_INTEGER);
}

/** An integer >= 0. @example nonNegativeInt('minSize', 0) */
export function nonNegativeInt(option: string, value: unknown): number {
  return intInRange(option, value, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * A duration in milliseconds: a finite number from 0 to {@link MAX_TIMER_MS}, or `Infinity` ("never") when
 * `allowInfinity` is set.
 *
 * @example nonNegativeMs('idleTimeoutMs', Infinity, { allowInfinity: true }) // Infinity
 */
export function nonNegativeMs(option: string, value: unknown, opts: { allowInfinity?: boolean } = {}): number {
  if (value === Infinity && opts.allowInfinity) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    const inf = opts.allowInfinity ? ', or Infinity for no limit' : '';
    throw new ConfigError(option, `must be a number of milliseconds from 0 to ${MAX_TIMER_MS}${inf}, got ${describe(value)}`);
  }
  return value;
}

/**
 * One of a fixed set of strings.
 *
 * @example oneOf('readPreference', 'replica', ['leader', 'replica', 'any'] as const) // 'replica'
 */
export function oneOf<const T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const list = allowed.map((a) => `'${a}'`).join(', ');
  const got = typeof value === 'string' ? quote(value) : describe(value);
  const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
  throw new ConfigError(option, `must be one of ${list}, got ${got}${hint}`);
}

/** `true` or `false`, nothing truthy. @example boolean('queryMetadata', true) */
export function boolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(option, `must be true or false, got ${describe(value)}`);
  return value;
}

/**
 * A function. Only `typeof` is checked: the caller's type parameter states the signature it expects.
 *
 * @example const onError = func<(e: Error) => void>('onError', opts.onError)
 */
export function func<F extends (...args: never[]) => unknown>(option: string, value: unknown): F {
  if (typeof value !== 'function') throw new ConfigError(option, `must be a function, got ${describe(value)}`);
  return value as F;
}

/** A string, non-empty when `nonEmpty` is set. @example string('user', 'admin', { nonEmpty: true }) */
export function string(option: string, value: unknown, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new ConfigError(option, `must be a string, got ${describe(value)}`);
  if (opts.nonEmpty && value === '') throw new ConfigError(option, 'must be a non-empty string');
  return value;
}

/**
 * Throws when `obj` has an own key outside `allowedKeys`: a misspelt option would otherwise be ignored in
 * silence and its default used. `group` names the object in the message, e.g. `'pool options'`.
 *
 * @example
 * rejectUnknownKeys('pool options', { maxsize: 5 }, ['maxSize'])
 * // ConfigError "maxsize: unknown option 'maxsize' in pool options (did you mean 'maxSize'?); allowed: maxSize"
 */
export function rejectUnknownKeys(
  group: string, obj: unknown, allowedKeys: readonly string[],
  hint?: (key: string, allowedKeys: readonly string[]) => string | undefined,
): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(group, `must be an object, got ${describe(obj)}`);
  }
  for (const key of Object.keys(obj)) {
    if (allowedKeys.includes(key)) continue;
    const why = hint?.(key, allowedKeys) ?? didYouMean(key, allowedKeys);
    throw new ConfigError(key, `unknown option '${key}' in ${group}${why}; allowed: ${allowedKeys.join(', ')}`);
  }
}

/**
 * The candidate closest to `word` (case-insensitive edit distance, at most a third of the word's length),
 * or `undefined`. A snake_case or kebab-case spelling of a candidate is that candidate.
 *
 * @example suggest('maxsize', ['maxSize', 'minSize']) // 'maxSize'
 * @example suggest('enable_discovery', ['enableDiscovery']) // 'enableDiscovery'
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const letters = lettersOf(word);
  const same = candidates.find((c) => lettersOf(c) === letters);
  if (same !== undefined) return same;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** `" (did you mean 'x'?)"` or `""`, ready to append to a message. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean '${s}'?)`;
}

/**
 * How a wrong value is shown in a message: numbers, booleans, bigints, `null` and `undefined` as they are;
 * strings, functions and objects by kind only, so that a secret given to the wrong option is not echoed.
 *
 * @example describe(-1) // '-1'; describe('hunter2') // 'a string'
 */
export function describe(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `max_size`, `max-size` and `maxSize` all read `maxsize`. */
function lettersOf(name: string): string {
  return name.replace(/[_-]/g, '').toLowerCase();
}

function quote(s: string): string {
  return s.length > 40 ? `'${s.slice(0, 40)}...'` : `'${s}'`;
}

/** Levenshtein distance with one row of memory: option lists are short, so this is plenty. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(above! + 1, row[j - 1]! + 1, diagonal! + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
