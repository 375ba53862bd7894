/**
 * What changed between two discovery rounds, keyed by instance **uuid**: an instance that moved to another
 * address is the same instance (its pools move), and two instances behind one address (a load balancer
 * given as the seed) are not one.
 *
 * @example
 * ```ts
 * const d = diffTopology(previous.instances, found.instances);
 * for (const i of d.added) openPool(i);
 * for (const i of d.removed) closePool(i.uuid);
 * for (const c of d.changed) if (c.reasons.includes('address')) movePool(c.after);
 * ```
 */
import { type InstanceState, sameInstanceState } from './instance-state.js';

/** The fields the diff looks at; `DiscoveredInstance` has them all. */
export interface DiffableInstance {
  readonly uuid: string;
  readonly state: InstanceState;
  readonly addressText: string | undefined;
}

/** Why an instance counts as changed. */
export type ChangeReason = 'state' | 'address';

/** One changed instance, before and after. */
export interface InstanceChange<T extends DiffableInstance> {
  readonly before: T;
  readonly after: T;
  /**
   * `state` when the variant or the incarnation differs: `Online(1)` -> `Online(2)` means the instance
   * restarted between two rounds, so connections opened before are dead even though it is Online in both.
   */
  readonly reasons: readonly ChangeReason[];
}

/** The difference between two instance lists. Lists hold the `after` objects, except `removed`. */
export interface TopologyDiff<T extends DiffableInstance> {
  readonly added: T[];
  readonly removed: T[];
  readonly changed: InstanceChange<T>[];
  readonly unchanged: T[];
}

/**
 * Compares two instance lists by uuid. Order of each output list follows `after` (and `before` for
 * `removed`). When a list repeats a uuid, its first entry counts, as in discovery.
 *
 * @example
 * diffTopology([a], [{ ...a, state: { variant: 'Offline', incarnation: 1 } }]).changed[0].reasons // ['state']
 */
export function diffTopology<T extends DiffableInstance>(before: readonly T[], after: readonly T[]): TopologyDiff<T> {
  const previous = firstByUuid(before);
  const seen = new Set<string>();
  const added: T[] = [];
  const changed: InstanceChange<T>[] = [];
  const unchanged: T[] = [];
  for (const now of after) {
    if (seen.has(now.uuid)) continue;
    seen.add(now.uuid);
    const then = previous.get(now.uuid);
    if (then === undefined) {
      added.push(now);
      continue;
    }
    const reasons: ChangeReason[] = [];
    if (!sameInstanceState(then.state, now.state)) reasons.push('state');
    if (then.addressText !== now.addressText) reasons.push('address');
    if (reasons.length > 0) changed.push({ before: then, after: now, reasons });
    else unchanged.push(now);
  }
  const removed = [...previous.values()].filter((i) => !seen.has(i.uuid));
  return { added, removed, changed, unchanged };
}

/** `true` when the diff has anything in `added`, `removed` or `changed`. @example isTopologyChanged(d) */
export function isTopologyChanged(diff: TopologyDiff<DiffableInstance>): boolean {
  return diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length > 0;
}

function firstByUuid<T extends DiffableInstance>(list: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const i of list) if (!map.has(i.uuid)) map.set(i.uuid, i);
  return map;
}
