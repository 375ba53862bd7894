import type { InstanceInfo } from '../balance/instance-info.js';
import { OLDEST_RUNNING_SINCE } from '../balance/live-instance.js';
import type { CloseOptions } from '../resource-pool/resource-pool-options.js';
import type { PoolStats } from '../resource-pool/pool-stats.js';
import type { InstanceState } from '../topology/instance-state.js';
import type { InstanceRef } from './instance-ref.js';
import type { InstanceConnections } from './instance-connections.js';
import { InstanceLatency } from './instance-latency.js';
import { RunningWork } from './running-work.js';
import { Quarantine } from '../failover/quarantine.js';

/** What the cluster knows about an instance when it becomes a member. */
export interface MemberDescription {
  /** The instance uuid; for an instance known only by a seed address (no discovery), `seed:<host:port>`. */
  key: string;
  uuid: string | undefined;
  name: string;
  host: string;
  port: number;
  tier: string;
  replicasetName: string;
  failureDomain: Readonly<Record<string, string>>;
  state: InstanceState;
}

/** Makes the connections of a member for one `options` startup string ('' = none). */
export type InstanceConnectionsFactory = (member: Member, options: string) => InstanceConnections;

/**
 * One instance of the cluster as the client sees it: its connections (one pool per distinct Picodata
 * `options` string, so a per-query read preference gets sessions opened with it), its health and latency.
 * It is also the {@link InstanceInfo} a balancing strategy sees: the figures are read live, nothing is copied
 * per query.
 */
export class Member implements InstanceInfo {
  readonly key: string;
  readonly ref: InstanceRef;
  readonly name: string;
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly tier: string;
  readonly replicasetName: string;
  readonly failureDomain: Readonly<Record<string, string>>;
  state: InstanceState;
  /** Statements routed here and not finished (waiting or running), and sessions held with `acquire()`. */
  readonly running = new RunningWork();
  /** Statements and exclusive connections served over the pool's life. */
  served = 0;
  /** Taken out of rotation (Offline, Expelled, gone, or moved): finishing what it has, then closing. */
  draining = false;
  readonly health: Quarantine;
  readonly latency = new InstanceLatency();
  /** The last failure, for error messages that list every instance. */
  lastError: Error | undefined;
  private readonly connections = new Map<string, InstanceConnections>();
  private limits: { maxSize: number; minSize: number };

  constructor(
    description: MemberDescription,
    private readonly makeConnections: InstanceConnectionsFactory,
    limits: { maxSize: number; minSize: number },
    health: Quarantine,
  ) {
    this.key = description.key;
    this.name = description.name;
    this.host = description.host;
    this.port = description.port;
    this.address = formatAddress(description.host, description.port);
    this.ref = { address: this.address, uuid: description.uuid, name: description.name };
    this.tier = description.tier;
    this.replicasetName = description.replicasetName;
    this.failureDomain = description.failureDomain;
    this.state = description.state;
    this.limits = limits;
    this.health = health;
  }

  get uuid(): string {
    return this.ref.uuid ?? this.key;
  }

  get inFlight(): number {
    return this.running.size;
  }

  get idle(): number {
    let n = 0;
    for (const c of this.connections.values()) n += c.idleCount;
    return n;
  }

  get total(): number {
    let n = 0;
    for (const c of this.connections.values()) n += c.size;
    return n;
  }

  get latencyMs(): number | undefined {
    return this.latency.value;
  }

  /** The connections for sessions opened with this `options` string (made on first use). */
  connectionsFor(options: string): InstanceConnections {
    let connections = this.connections.get(options);
    if (connections === undefined) {
      connections = this.makeConnections(this, options);
      connections.resize(this.limits);
      this.connections.set(options, connections);
    }
    return connections;
  }

  /** Every set of connections this member has made so far (one per `options` string). */
  allConnections(): IterableIterator<InstanceConnections> {
    return this.connections.values();
  }

  /** New size limits (after instances joined or left); surplus connections retire as they come back. */
  resize(limits: { maxSize: number; minSize: number }): void {
    this.limits = limits;
    for (const c of this.connections.values()) c.resize(limits);
  }

  get maxSize(): number {
    return this.limits.maxSize;
  }

  get oldestRunningMs(): number {
    const since = this.running.oldestSince();
    return since === undefined ? 0 : performance.now() - since;
  }

  get [OLDEST_RUNNING_SINCE](): number {
    return this.running.oldestSince() ?? Infinity;
  }

  get maxConnections(): number {
    return this.limits.maxSize;
  }

  stats(): PoolStats[] {
    return [...this.connections.values()].map((c) => c.stats());
  }

  /** Closes idle connections now and every other one as it comes back; resolves when all are closed. */
  drain(options?: CloseOptions): Promise<void> {
    this.draining = true;
    return this.close(options);
  }

  close(options?: CloseOptions): Promise<void> {
    return Promise.all([...this.connections.values()].map((c) => c.close(options))).then(() => undefined);
  }

  terminate(): Promise<void> {
    return Promise.all([...this.connections.values()].map((c) => c.terminate())).then(() => undefined);
  }
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
