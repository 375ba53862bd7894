/**
 * Keyed routing: from a sharding key's hash to the instances that own its bucket. Each replicaset's
 * targets are built once per topology read, so the per-statement work is a modulo, a binary search over
 * the tier's ranges and two array reads: no allocation.
 *
 * A target is a preference, like `prefer`: the router keeps a keyed statement on the target's instances
 * while one of them is healthy, and otherwise routes it as if it had no key (any instance can route any
 * statement; only a hop is lost).
 */
import type { BucketRanges, ReplicasetLeader } from '../topology/bucket-map.js';

/** Where a keyed statement should go: member keys (instance uuids), the first list preferred. */
export interface RouteTarget {
  /** The owning replicaset's uuid. */
  readonly replicasetUuid: string;
  /** Instances to use while any of them is healthy. */
  readonly primary: readonly string[];
  /** Instances to use when none of `primary` is (the leader, for a read that prefers replicas). */
  readonly secondary: readonly string[];
}

/**
 * Which instances of the owning replicaset may serve: `leader` (writes, and reads by default), `any`
 * (reads with `readPreference: 'any'`), `replica` (reads with `readPreference: 'replica'`: non-leaders
 * first, the leader when none is healthy). When the leader is unknown, every kind is any member.
 */
export type KeyedAccess = 'leader' | 'any' | 'replica';

/** One replicaset's targets, by access kind. */
interface ReplicasetTargets {
  readonly leader: RouteTarget;
  readonly any: RouteTarget;
  readonly replica: RouteTarget;
}

/** One tier: its ranges and, per range, the owner's targets (undefined for a replicaset without instances). */
interface TierRoutes {
  readonly ranges: BucketRanges;
  readonly owners: ReadonlyArray<ReplicasetTargets | undefined>;
}

/** What an instance contributes to the routes: who it is and which replicaset it belongs to. */
export interface RoutedInstance {
  readonly uuid: string;
  readonly name: string;
  readonly replicasetUuid: string;
}

const NONE: readonly string[] = Object.freeze([]);

/** Every tier's bucket ranges joined with the replicasets' instances and leaders. Immutable. */
export class ShardRoutes {
  readonly #tiers: ReadonlyMap<string, TierRoutes>;
  /** True when leaders are known (READ on `_pico_replicaset`). */
  readonly leadersKnown: boolean;

  constructor(
    tiers: ReadonlyMap<string, BucketRanges>,
    instances: readonly RoutedInstance[],
    leaders: ReadonlyMap<string, ReplicasetLeader> | undefined,
  ) {
    this.leadersKnown = leaders !== undefined;
    const byReplicaset = new Map<string, RoutedInstance[]>();
    for (const i of instances) {
      if (i.replicasetUuid === '') continue;
      let list = byReplicaset.get(i.replicasetUuid);
      if (list === undefined) byReplicaset.set(i.replicasetUuid, (list = []));
      list.push(i);
    }
    const targets = new Map<string, ReplicasetTargets>();
    for (const [uuid, members] of byReplicaset) targets.set(uuid, replicasetTargets(uuid, members, leaders?.get(uuid)?.leaderName));
    const out = new Map<string, TierRoutes>();
    for (const [tier, ranges] of tiers) {
      if (ranges.bucketCount === 0) continue;
      out.set(tier, { ranges, owners: ranges.ranges().map((r) => targets.get(r.replicasetUuid)) });
    }
    this.#tiers = out;
  }

  /** The tier's bucket count, or undefined when its map is not known. */
  bucketCount(tier: string): number | undefined {
    return this.#tiers.get(tier)?.ranges.bucketCount;
  }

  /**
   * Where a statement whose key hashes to `hash` (see `keyHash`) should go in `tier`, or undefined when the
   * tier, the bucket's range or the owner's instances are unknown.
   */
  target(hash: number, tier: string, access: KeyedAccess): RouteTarget | undefined {
    const t = this.#tiers.get(tier);
    if (t === undefined) return undefined;
    const i = t.ranges.indexOf((hash % t.ranges.bucketCount) + 1);
    if (i < 0) return undefined;
    const owner = t.owners[i];
    return owner === undefined ? undefined : owner[access];
  }
}

function replicasetTargets(uuid: string, members: readonly RoutedInstance[], leaderName: string | undefined): ReplicasetTargets {
  const all = Object.freeze(members.map((m) => m.uuid));
  const leader = leaderName === undefined ? undefined : members.find((m) => m.name === leaderName);
  const anyone: RouteTarget = Object.freeze({ replicasetUuid: uuid, primary: all, secondary: NONE });
  if (leaderName === undefined) return { leader: anyone, any: anyone, replica: anyone };
  // A leader that is named but not among the known instances (just joined, no address): nothing to prefer.
  const leaderOnly = Object.freeze(leader === undefined ? [] : [leader.uuid]);
  const others = Object.freeze(all.filter((u) => u !== leader?.uuid));
  return {
    leader: Object.freeze({ replicasetUuid: uuid, primary: leaderOnly, secondary: NONE }),
    any: anyone,
    replica: Object.freeze({ replicasetUuid: uuid, primary: others, secondary: leaderOnly }),
  };
}

/**
 * The candidates on the target: those whose key is in `target.primary`, else in `target.secondary`, else
 * undefined (route as without a key). Allocates only the returned list.
 */
export function restrictToTarget<T extends { readonly key: string }>(candidates: readonly T[], target: RouteTarget): readonly T[] | undefined {
  return pickListed(candidates, target.primary) ?? pickListed(candidates, target.secondary);
}

function pickListed<T extends { readonly key: string }>(candidates: readonly T[], keys: readonly string[]): T[] | undefined {
  if (keys.length === 0) return undefined;
  let out: T[] | undefined;
  for (const c of candidates) if (keys.includes(c.key)) (out ??= []).push(c);
  return out;
}
