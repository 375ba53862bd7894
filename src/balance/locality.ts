/**
 * Locality preference: keep statements on the instances of one tier or failure domain (a zone, a rack)
 * while any of them is healthy, and go elsewhere only when none is. A preference, never a filter that
 * fails a statement: the server routes any statement from any instance.
 */
import { ConfigError } from '../errors.js';
import { describe, rejectUnknownKeys } from '../config/validate.js';
import type { InstanceInfo } from './instance-info.js';

/** Which instances to prefer: all the given fields must match. */
export interface Locality {
  /** `_pico_instance.tier`. */
  readonly tier?: string;
  /** Every key must be in the instance's `_pico_instance.failure_domain` with this value, e.g. `{ zone: 'eu-1' }`. */
  readonly failureDomain?: Readonly<Record<string, string>>;
}

/** Whether an instance matches every field of `l`. */
export function matchesLocality(i: InstanceInfo, l: Locality): boolean {
  if (l.tier !== undefined && i.tier !== l.tier) return false;
  const wanted = l.failureDomain;
  if (wanted !== undefined) {
    for (const key in wanted) if (i.failureDomain[key] !== wanted[key]) return false;
  }
  return true;
}

/** The candidates that match `l`, or all of them when none does (or there is no preference). */
export function preferLocality<T extends InstanceInfo>(candidates: readonly T[], l: Locality | undefined): readonly T[] {
  if (l === undefined) return candidates;
  let matching = 0;
  for (const c of candidates) if (matchesLocality(c, l)) matching++;
  if (matching === 0 || matching === candidates.length) return candidates;
  return candidates.filter((c) => matchesLocality(c, l));
}

/** Checks a `prefer` option; returns it frozen, or undefined. Throws a ConfigError naming `option`. */
export function checkLocality(option: string, value: unknown): Locality | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new ConfigError(option, `must be { tier?, failureDomain? }, got ${describe(value)}`);
  rejectUnknownKeys(option, value, ['tier', 'failureDomain']);
  const { tier, failureDomain } = value as { tier?: unknown; failureDomain?: unknown };
  if (tier !== undefined && (typeof tier !== 'string' || tier === '')) throw new ConfigError(`${option}.tier`, `must be a tier name, got ${describe(tier)}`);
  let domain: Record<string, string> | undefined;
  if (failureDomain !== undefined) {
    if (failureDomain === null || typeof failureDomain !== 'object' || Array.isArray(failureDomain)) {
      throw new ConfigError(`${option}.failureDomain`, `must be an object of strings such as { zone: 'eu-1' }, got ${describe(failureDomain)}`);
    }
    domain = {};
    for (const [key, v] of Object.entries(failureDomain)) {
      if (typeof v !== 'string') throw new ConfigError(`${option}.failureDomain`, `${key} must be a string, got ${describe(v)}`);
      domain[key] = v;
    }
    Object.freeze(domain);
  }
  return Object.freeze({ ...(tier !== undefined && { tier: tier as string }), ...(domain !== undefined && { failureDomain: domain }) });
}
