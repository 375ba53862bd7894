import { ConfigError } from '../errors.js';
import { AdminSession } from './admin-session.js';
import { Gateway, type GatewayListenerInfo } from './gateway/gateway.js';
import type { KeyedStatementRecord } from './gateway/keyed-recorder.js';
import type { SessionRecord } from './gateway/session-record.js';
import type { ShardingSnapshot } from './gateway/sharding-snapshot.js';
import type { InstanceIdentity, InstanceStateName } from './picodata-schema.js';
import { SHARDING_SNAPSHOT_SQL, type TableDistribution, type TopologyTable } from './sharding-schema.js';
import { startStandIn, type AddInstanceOptions, type BucketIdRange, type StandIn, type StandInOptions } from './stand-in.js';
import type { StandInUsers, UserKind } from './users.js';

/** Options of {@link startCluster}: the stand-in's, without TLS (the gateway answers `N` like Picodata with TLS off). */
export interface ClusterOptions extends Omit<StandInOptions, 'tls'> {
  /** Record every message clients send (true, the default) or only their startups. */
  readonly record?: boolean;
}

/** One instance of a {@link Cluster}, as clients see it. */
export interface ClusterInstance extends InstanceIdentity {
  /** The gateway's `host:port` for it: what `_pico_peer_address` advertises and clients connect to. */
  readonly address: string;
  /** The PostgreSQL address the gateway forwards to. */
  readonly backendAddress: string;
  /** The state in `_pico_instance`. */
  readonly state: InstanceStateName;
  /** False while killed. */
  readonly listening: boolean;
  /** Its handshakes are held (see {@link Cluster.hold}): TCP is accepted, startup is not answered. */
  readonly held: boolean;
  /** Its traffic is swallowed in both directions (see {@link Cluster.blackhole}). */
  readonly blackholed: boolean;
  /** Delay added to each server message, in ms (see {@link Cluster.delay}); 0 for none. */
  readonly delayMs: number;
}

/** Extra parts of a connection string built by {@link Cluster.dsn}. */
export interface ClusterDsnOptions {
  /** Connect to this instance (by name) instead of the first one. */
  readonly instance?: string;
  /** List every instance as a host. */
  readonly allInstances?: boolean;
  /** `picots` by default; `cluster.databases.legacy` for the old schema. */
  readonly database?: string;
  /** Query parameters, e.g. `{ sslmode: 'disable' }`. */
  readonly params?: Readonly<Record<string, string>>;
}

/** Options of {@link Cluster.addInstance}. */
export interface ClusterAddInstanceOptions extends Omit<AddInstanceOptions, 'advertise'> {
  /** Hold its handshakes from the start (see {@link Cluster.hold}), e.g. with `state: 'Offline'` for a joining instance. */
  readonly hold?: boolean;
}

/**
 * A stand-in Picodata cluster for reliability tests: a private stand-in (one PostgreSQL, one loopback
 * address per instance, TLS off) behind the fault-injecting pgproto gateway, one listener per instance.
 * Discovery (`_pico_peer_address`) advertises the gateway's addresses, so a client that follows
 * discovery stays behind the gateway. It is a stand-in, not Picodata.
 *
 * The controls act on the gateway (what the network and the instance's process do); `setState` acts on
 * the system tables (what the cluster says). They are independent: to imitate an instance that is still
 * joining, `setState(name, 'Offline')` and `hold(name)`, later `setState(name, 'Online')` and
 * `release(name)`.
 */
export class Cluster {
  /** The stand-in behind the gateway, for what the cluster does not wrap (`sql`, `terminateBackends`, ...). */
  readonly standIn: StandIn;
  /** The fault-injecting gateway in front of the stand-in. */
  readonly gateway: Gateway;
  /** The users clients may log in as, with their passwords. */
  readonly users: StandInUsers;
  /** The databases with each discovery schema shape (`current`, `legacy`). */
  readonly databases: StandIn['databases'];
  private stopping: Promise<void> | undefined;

  /** Use {@link startCluster}. */
  constructor(standIn: StandIn, gateway: Gateway) {
    this.standIn = standIn;
    this.gateway = gateway;
    this.users = standIn.users;
    this.databases = standIn.databases;
  }

  /** The instances, in raft id order. */
  get instances(): readonly ClusterInstance[] {
    const listeners = new Map(this.gateway.listenerInfo.map((l) => [l.name, l]));
    return this.standIn.instances.flatMap((i) => {
      const l: GatewayListenerInfo | undefined = listeners.get(i.name);
      if (!l) return [];
      return [{
        name: i.name, uuid: i.uuid, raftId: i.raftId, replicasetName: i.replicasetName, replicasetUuid: i.replicasetUuid,
        tier: i.tier, address: l.address, backendAddress: i.address, state: i.state, listening: l.listening, held: l.held,
        blackholed: l.blackholed, delayMs: l.delayMs,
      }];
    });
  }

  /** The instance called `name`; throws a `ConfigError` when there is none. */
  instance(name: string): ClusterInstance {
    const found = this.instances.find((i) => i.name === name);
    if (!found) throw new ConfigError('instance', `the cluster has no instance ${name} (it has ${this.instances.map((i) => i.name).join(', ') || 'none'})`);
    return found;
  }

  /**
   * A connection string through the gateway for one of the stand-in's users.
   *
   * @example
   * ```ts
   * cluster.dsn('scram', { instance: 'i2' }) // postgresql://picots_scram:…@127.0.0.2:40123/picots
   * ```
   */
  dsn(kind: UserKind = 'scram', options: ClusterDsnOptions = {}): string {
    const user = this.users[kind];
    const first = this.instances[0];
    if (!first) throw new ConfigError('instance', 'the cluster has no instance left');
    const targets = options.allInstances
      ? this.instances.map((i) => i.address)
      : [options.instance ? this.instance(options.instance).address : first.address];
    const query = new URLSearchParams(options.params ?? {}).toString();
    const credentials = `${encodeURIComponent(user.user)}:${encodeURIComponent(user.password)}`;
    const database = encodeURIComponent(options.database ?? this.databases.current);
    return `postgresql://${credentials}@${targets.join(',')}/${database}${query ? `?${query}` : ''}`;
  }

  /** See {@link Gateway.kill}: connects refused, sessions reset. */
  kill(name: string): Promise<void> {
    return this.gateway.kill(name);
  }

  /** See {@link Gateway.revive}: listening again on the same address. */
  revive(name: string): Promise<void> {
    return this.gateway.revive(name);
  }

  /** See {@link Gateway.blackhole}: accepted, never answered; sessions frozen. */
  blackhole(name: string): void {
    this.gateway.blackhole(name);
  }

  /** See {@link Gateway.unblackhole}. */
  unblackhole(name: string): void {
    this.gateway.unblackhole(name);
  }

  /** See {@link Gateway.delay}: server-to-client bytes delayed by `ms` (0 to stop). */
  delay(name: string, ms: number): void {
    this.gateway.delay(name, ms);
  }

  /** See {@link Gateway.cutNextResult}: the next result on any session of it is cut short. */
  cutNextResult(name: string): void {
    this.gateway.cutNextResult(name);
  }

  /** See {@link Gateway.hold}: new handshakes wait until {@link release}. */
  hold(name: string): void {
    this.gateway.hold(name);
  }

  /** See {@link Gateway.release}. */
  release(name: string): void {
    this.gateway.release(name);
  }

  /** See {@link Gateway.terminateSessions}: open sessions closed, listener kept. */
  terminateSessions(name: string): void {
    this.gateway.terminateSessions(name);
  }

  /** Sets the instance's state in `_pico_instance` (see `StandIn.setState`); the gateway is not touched. */
  async setState(name: string, state: InstanceStateName, target: InstanceStateName = state): Promise<void> {
    await this.standIn.setState(name, state, target);
  }

  /** Sets an instance's `failure_domain`, e.g. `{ zone: 'eu-1' }` (see {@link StandIn.setFailureDomain}). */
  async setFailureDomain(name: string, domain: Readonly<Record<string, string>>): Promise<void> {
    await this.standIn.setFailureDomain(name, domain);
  }

  /**
   * Adds an instance on a spare loopback address, with a gateway listener in front of it whose address
   * is advertised in `_pico_peer_address`.
   */
  async addInstance(options: ClusterAddInstanceOptions = {}): Promise<ClusterInstance> {
    const { hold, ...standInOptions } = options;
    let listening: string | undefined;
    try {
      // The listener first, so the instance's rows advertise it from the start: a client that reads the
      // topology in between must never get the backend address and bypass the gateway.
      const added = await this.standIn.addInstance({
        ...standInOptions,
        advertise: async (name, backendAddress) => {
          const address = await this.gateway.add({ name, backendAddress, hold });
          listening = name;
          return address;
        },
      });
      return this.instance(added.name);
    } catch (error) {
      if (listening !== undefined) await this.gateway.remove(listening).catch(() => {});
      throw error;
    }
  }

  /** Removes an instance from the system tables and closes its listener and sessions (as if expelled and stopped). */
  async removeInstance(name: string): Promise<void> {
    this.instance(name);
    await this.standIn.removeInstance(name);
    await this.gateway.remove(name);
  }

  /** What clients sent, per session (all instances, or one); see {@link SessionRecord}. */
  sessions(name?: string): SessionRecord[] {
    return this.gateway.sessions(name);
  }

  /** Forgets the sessions recorded so far. */
  clearSessions(): void {
    this.gateway.clearSessions();
  }

  /** See {@link StandIn.moveBuckets}: `_pico_bucket(tier)` names `replicasetName` as the range's owner. */
  moveBuckets(range: BucketIdRange, replicasetName: string, tier = 'default'): Promise<void> {
    return this.standIn.moveBuckets(range, replicasetName, tier);
  }

  /** See {@link StandIn.setLeader}: `current_master_name` and `target_master_name` of the replicaset. */
  setLeader(replicasetName: string, instanceName: string): Promise<void> {
    return this.standIn.setLeader(replicasetName, instanceName);
  }

  /** See {@link StandIn.setDistribution}: how `table` appears in `_pico_table.distribution`. */
  setDistribution(table: string, distribution: TableDistribution | null): Promise<void> {
    return this.standIn.setDistribution(table, distribution);
  }

  /** See {@link StandIn.grant}: lets a test user read `_pico_tier`, `_pico_replicaset`, `_pico_table` (or one). */
  grant(kind: UserKind, table?: TopologyTable | readonly TopologyTable[]): Promise<void> {
    return this.standIn.grant(kind, table);
  }

  /** See {@link StandIn.revoke}. */
  revoke(kind: UserKind, table?: TopologyTable | readonly TopologyTable[]): Promise<void> {
    return this.standIn.revoke(kind, table);
  }

  /**
   * Every keyed statement executed through the gateway so far, in order: its bucket, the owning
   * replicaset, and whether the serving instance belongs to it (`servedByOwner`) and is its master
   * (`servedByLeader`). See {@link KeyedStatementRecord} for which statements count.
   *
   * @example
   * ```ts
   * cluster.clearKeyedStatements();
   * // ... a keyed workload ...
   * assert.ok(cluster.keyedStatements().every((r) => r.servedByLeader));
   * ```
   */
  keyedStatements(): readonly KeyedStatementRecord[] {
    return this.gateway.keyedStatements();
  }

  /** Forgets the keyed statements recorded so far. */
  clearKeyedStatements(): void {
    this.gateway.clearKeyedStatements();
  }

  /** Closes the gateway and stops the stand-in; removes its files. Idempotent; later calls wait for the first. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.gateway.stop();
      } finally {
        await this.standIn.stop();
      }
    })();
    return this.stopping;
  }
}

/**
 * Starts a stand-in cluster behind the fault-injecting gateway (see {@link Cluster}). Takes about a
 * second. Always private: it changes state, so it is never shared between test files.
 *
 * @example
 * ```ts
 * const cluster = await startCluster({ instances: 3 });
 * try {
 *   const client = new pg.Client(cluster.dsn('scram', { instance: 'i2' }));
 *   await client.connect();
 *   await cluster.kill('i2');          // the session is reset, new connects are refused
 *   await cluster.revive('i2');
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const { record, ...standInOptions } = options;
  const standIn = await startStandIn({ instances: 3, ...standInOptions, tls: false });
  const { psql, socketDir, port, superuser } = standIn.describe();
  const admin = new AdminSession({ psql, socketDir, port, superuser }, standIn.databases.current);
  const gateway = new Gateway({
    record,
    catalog: { socketDir, port, superuser },
    sharding: {
      database: standIn.databases.current,
      load: async () => JSON.parse((await admin.query(SHARDING_SNAPSHOT_SQL)) ?? 'null') as ShardingSnapshot,
    },
  });
  standIn.onChange(() => gateway.invalidateSharding());
  gateway.onStop(() => admin.close());
  try {
    const advertised = new Map<string, string>();
    for (const instance of standIn.instances) {
      advertised.set(instance.name, await gateway.add({ name: instance.name, backendAddress: instance.address }));
    }
    await standIn.setAdvertisedAddresses(advertised);
  } catch (error) {
    await gateway.stop();
    await standIn.stop();
    throw error;
  }
  return new Cluster(standIn, gateway);
}
