import type { InstanceInfo } from '../balance/instance-info.js';
import type { PoolStats } from '../resource-pool/pool-stats.js';
import type { InstanceRef } from './instance-ref.js';
import type { Member } from './member.js';

/** Statistics of one instance's connections. */
export interface InstanceStats extends PoolStats {
  /** The instance these connections talk to. */
  instance: InstanceRef;
}

/** `pool.stats()`: the sum over all instances, and each instance on its own. */
export interface ClusterStats {
  /** Every figure summed over all instances. */
  total: PoolStats;
  /** One entry per instance in rotation (or draining). */
  instances: InstanceStats[];
  /**
   * Statements with a `routeKey`, counted once each when they end: `owner` were served by the owner (the
   * owning replicaset's leader, or the member the read preference allows) at their first attempt;
   * `fallback` were not (bucket map not loaded, owner unknown or unhealthy, or the owner's attempt failed
   * over), and went where a statement without a key would go.
   */
  keyed: {
    /** `routeKey` statements served by the owner at their first attempt, since the pool was created. */
    owner: number;
    /** `routeKey` statements that went where a statement without a key would go, since the pool was created. */
    fallback: number;
  };
}

/** How one instance looks from the client: what a strategy sees, plus health. */
export interface InstanceStatus extends InstanceInfo {
  /** Taken out of rotation after connection failures until a probe succeeds. */
  quarantined: boolean;
  /** The last failure seen on it, if any. */
  lastError: string | undefined;
  /** Statements and connections routed to it over the pool's life. */
  served: number;
  /** Median latency in ms of its last 256 answered statements; `undefined` before the first. */
  latencyP50Ms: number | undefined;
  /** 99th percentile latency in ms of its last 256 answered statements; `undefined` before the first. */
  latencyP99Ms: number | undefined;
}

/** A plain snapshot of each member's figures and health. */
export function instanceStatuses(members: readonly Member[]): InstanceStatus[] {
  return members.map((m) => ({
    uuid: m.uuid,
    name: m.name,
    address: m.address,
    tier: m.tier,
    replicasetName: m.replicasetName,
    failureDomain: m.failureDomain,
    state: m.state,
    inFlight: m.inFlight,
    idle: m.idle,
    total: m.total,
    maxConnections: m.maxConnections,
    oldestRunningMs: m.oldestRunningMs,
    latencyMs: m.latencyMs,
    quarantined: m.health.isQuarantined(),
    lastError: m.lastError?.message,
    served: m.served,
    latencyP50Ms: m.latency.percentile(0.5),
    latencyP99Ms: m.latency.percentile(0.99),
  }));
}

/** Connection counts and counters per member, and their sum. */
export function clusterStats(members: readonly Member[], keyed: { readonly owner: number; readonly fallback: number } = { owner: 0, fallback: 0 }): ClusterStats {
  const instances: InstanceStats[] = members.map((m) => ({ instance: m.ref, ...sumStats(m.stats()) }));
  return { total: sumStats(instances), instances, keyed: { owner: keyed.owner, fallback: keyed.fallback } };
}

function sumStats(list: readonly PoolStats[]): PoolStats {
  const total: Record<string, unknown> = {
    size: 0, idle: 0, leased: 0, leases: 0, creating: 0, waiting: 0, minSize: 0, maxSize: 0, acquireCount: 0,
    waitedAcquireCount: 0, acquireWaitTimeMs: 0, timedOutAcquireCount: 0, abortedAcquireCount: 0, saturatedCount: 0,
    createdCount: 0, createFailedCount: 0, destroyedCount: 0,
  };
  const byReason: Record<string, number> = {};
  for (const s of list) {
    for (const [key, value] of Object.entries(s)) {
      if (typeof value === 'number') total[key] = ((total[key] as number | undefined) ?? 0) + value;
    }
    for (const [reason, n] of Object.entries(s.destroyedByReason)) byReason[reason] = (byReason[reason] ?? 0) + n;
  }
  total.destroyedByReason = byReason;
  return total as unknown as PoolStats;
}
