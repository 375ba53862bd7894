import type { InstanceInfo } from './instance-info.js';

/**
 * A frozen copy of what a strategy may see of an instance. User strategies get these, never the live
 * member: they cannot reach a pool or a socket, and a snapshot they keep does not change under them.
 *
 * @example snapshotInstance(member).inFlight // the figure at the time of the call
 */
export function snapshotInstance(i: InstanceInfo): InstanceInfo {
  return Object.freeze({
    uuid: i.uuid,
    name: i.name,
    address: i.address,
    tier: i.tier,
    replicasetName: i.replicasetName,
    failureDomain: i.failureDomain,
    state: i.state,
    inFlight: i.inFlight,
    idle: i.idle,
    total: i.total,
    maxConnections: i.maxConnections,
    oldestRunningMs: i.oldestRunningMs,
    latencyMs: i.latencyMs,
  });
}
