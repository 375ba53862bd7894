import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import { backendServerAddresses } from './backend-sockets.js';
import type { TlsMaterial } from './certs.js';
import {
  discoverySchemaSql, INSTANCE_STATES, insertInstanceSql, NEXT_RAFT_ID_SQL, READ_INSTANCES_SQL, removeInstanceSql,
  setAdvertisedAddressSql, setFailureDomainSql, setStateSql, type InstanceIdentity, type InstanceRecord, type InstanceStateName, type SchemaShape,
} from './picodata-schema.js';
import { loopbackAddresses, startPostgres, type PostgresServer } from './postgres-server.js';
import { runPsql, type AdminTarget } from './psql.js';
import { StandInError } from './stand-in-error.js';
import {
  DEFAULT_BUCKET_COUNT, distributionJson, ensureTierSql, moveBucketsSql, setDistributionSql, setLeaderSql, shardingSchemaSql,
  TOPOLOGY_TABLES, topologyGrantSql, type TableDistribution, type TierSettings, type TopologyTable,
} from './sharding-schema.js';
import { quoteIdent } from './sql-text.js';
import { CLIENTS_ROLE, grantDatabaseSql, STAND_IN_USERS, type StandInUsers, type UserKind } from './users.js';

/** A tier of the stand-in (see {@link StandInOptions.tiers}). */
export interface StandInTierOptions {
  /** The tier's name (`_pico_tier.name`, `_pico_instance.tier`), e.g. `'storage'`; one entry per name. */
  readonly name: string;
  /** `_pico_tier.bucket_count`; 3000 by default (Picodata's). */
  readonly bucketCount?: number;
  /** Instances per replicaset in this tier; the stand-in's `replicationFactor` by default. */
  readonly replicationFactor?: number;
  /** `_pico_tier.can_vote`; true by default. */
  readonly canVote?: boolean;
  /**
   * Instances of this tier started with the stand-in, after those of the main tier (`tier`), whose
   * count is `instances`; 0 by default. Not allowed on the main tier's own entry.
   */
  readonly instances?: number;
}

/**
 * Bucket ids to move with {@link StandIn.moveBuckets}: `start..end`, both ends included. Not the main
 * entry's bucket-map range: this one names no owner, the replicaset is the call's own argument.
 */
export interface BucketIdRange {
  /** The first bucket id, 1-based as in `_pico_bucket`. */
  readonly start: number;
  /** The last bucket id, included; at most the tier's bucket count. */
  readonly end: number;
}

/** How a table is distributed in `_pico_table` (see {@link StandIn.setDistribution}). */
export type { TableDistribution, TopologyTable } from './sharding-schema.js';

/** Options of {@link startStandIn}. */
export interface StandInOptions {
  /** How many instances; 3 by default. Instance k listens on 127.0.0.k. */
  readonly instances?: number;
  /** Loopback addresses listened on from the start but given to no instance, for {@link StandIn.addInstance}; 4 by default. */
  readonly spareAddresses?: number;
  /** TLS on, with a fresh CA (see {@link StandIn.tls}). Plaintext is still accepted, except for the `tlsOnly` user. */
  readonly tls?: boolean;
  /** Instances per replicaset; 1 by default (Picodata's default), so instance k is alone in replicaset `rk`. */
  readonly replicationFactor?: number;
  /** The main tier: that of the first `instances` instances and the default one (`is_default`); `default` by default. */
  readonly tier?: string;
  /** `_pico_tier.bucket_count` of the main tier; 3000 by default (Picodata's). */
  readonly bucketCount?: number;
  /**
   * More tiers (or the main tier's settings, under its name), each with its own bucket count and
   * replication factor, and optionally instances of its own started with the stand-in. A tier can also
   * come later with `addInstance({ tier })`, which creates it with the defaults.
   */
  readonly tiers?: readonly StandInTierOptions[];
  /**
   * Which test users may read `_pico_tier`, `_pico_replicaset` and `_pico_table` from the start: `true`
   * for all, or a list of user kinds. None by default, as in Picodata, where only the admin may read them
   * until granted (`_pico_instance` and `_pico_peer_address` are readable by everyone either way). See
   * {@link StandIn.grant} to change it later.
   */
  readonly grantTopologyRead?: boolean | readonly UserKind[];
  /** What `_pico_instance.picodata_version` says; `25.3.1` by default. */
  readonly picodataVersion?: string;
  /** Bound on the server's start-up; 20 s by default. */
  readonly startTimeoutMs?: number;
  /** More `postgresql.conf` settings. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

/** One instance of the stand-in cluster. */
export interface StandInInstance extends InstanceIdentity {
  /** Where PostgreSQL accepts this instance's sessions, e.g. `127.0.0.2`. */
  readonly host: string;
  /** The TCP port, the same on every address. */
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** The pgproto address in `_pico_peer_address`; equal to `address` unless changed with `setAdvertisedAddress`. */
  readonly advertisedAddress: string;
  /** The current state variant. */
  readonly state: InstanceStateName;
}

/** Everything needed to drive a running stand-in from another process; plain JSON. */
export interface StandInDescription {
  /** Marks the JSON as a stand-in description (for {@link attachStandIn}). */
  readonly kind: 'picots-stand-in';
  /** The TCP port, the same on every address. */
  readonly port: number;
  /** Every address the server listens on: the instances' and the spare ones. */
  readonly addresses: readonly string[];
  /** The temporary directory that holds everything; removed by `stop()`. */
  readonly baseDir: string;
  /** The PostgreSQL data directory. */
  readonly dataDir: string;
  /** Directory of the unix socket the superuser connects through. */
  readonly socketDir: string;
  /** The server's log. */
  readonly logFile: string;
  /** The superuser's name (unix socket only, no password). */
  readonly superuser: string;
  /** Path of the `psql` program used for admin statements. */
  readonly psql: string;
  /** `current`: Picodata 25.1+ schema (`picots`); `legacy`: Picodata 24.x schema (`picots_legacy`). */
  readonly databases: Readonly<Record<SchemaShape, string>>;
  /** The users clients may log in as, with their passwords. */
  readonly users: StandInUsers;
  /** The instances, in raft id order. */
  readonly instances: readonly StandInInstance[];
  /** Certificates and keys; `null` when started without TLS. */
  readonly tls: TlsMaterial | null;
  /** The tier of the instances started with it. */
  readonly tier: string;
  /** What `_pico_instance.picodata_version` says. */
  readonly picodataVersion: string;
  /** Instances per replicaset of the main tier, and of tiers made by `addInstance`. */
  readonly replicationFactor?: number;
}

/** Extra parts of a connection string built by {@link StandIn.dsn}. */
export interface DsnOptions {
  /** Connect to this instance (by name) instead of the first one. */
  readonly instance?: string;
  /** List every instance as a host, `postgresql://u:p@127.0.0.1:5,127.0.0.2:5/db`. */
  readonly allInstances?: boolean;
  /** `picots` by default; `standIn.databases.legacy` for the old schema. */
  readonly database?: string;
  /** Query parameters, e.g. `{ sslmode: 'require' }`. */
  readonly params?: Readonly<Record<string, string>>;
}

/** Options of {@link StandIn.addInstance}. */
export interface AddInstanceOptions {
  /** `Online` by default. */
  readonly state?: InstanceStateName;
  /** A new replicaset `r<raftId>` by default; an existing name joins that replicaset. */
  readonly replicasetName?: string;
  /** The tier; the stand-in's by default. */
  readonly tier?: string;
  /**
   * Gives the pgproto address to advertise (e.g. a proxy's listener in front of the instance) before the
   * instance's rows are written, so no reader of `_pico_peer_address` ever sees the backend address;
   * the backend address by default. When it throws, nothing is written.
   */
  readonly advertise?: (name: string, backendAddress: string) => Promise<string>;
}

const DATABASES: Readonly<Record<SchemaShape, string>> = { current: 'picots', legacy: 'picots_legacy' };
const SHAPES: readonly SchemaShape[] = ['current', 'legacy'];
const TERMINATE_WAIT_MS = 5000;

/**
 * A stand-in Picodata cluster: one real PostgreSQL server listening on several loopback addresses,
 * each address playing one instance, with Picodata's discovery tables and functions. It is a stand-in,
 * not Picodata: only what a client observes of discovery, addresses and instance identity is imitated.
 *
 * Changes (`setState`, `addInstance`, ...) go to both schemas. `instances` reflects this handle's own
 * changes; call `refresh()` to see those made by another process.
 */
export class StandIn {
  /** The TCP port, the same on every address. */
  readonly port: number;
  /** Every address the server listens on: the instances' and the spare ones. */
  readonly addresses: readonly string[];
  /** The databases with each discovery schema shape: `current` (`picots`) and `legacy` (`picots_legacy`). */
  readonly databases: Readonly<Record<SchemaShape, string>>;
  /** The users clients may log in as, with their passwords. */
  readonly users: StandInUsers;
  /** Certificates and keys; `null` when started without TLS. */
  readonly tls: TlsMaterial | null;
  /** The server's log, the place to look when something fails. */
  readonly logFile: string;
  private readonly description: StandInDescription;
  private readonly admin: AdminTarget;
  private readonly server: PostgresServer | undefined;
  private current: StandInInstance[];
  readonly #listeners = new Set<() => void>();

  /** Use {@link startStandIn} or {@link attachStandIn}. */
  constructor(description: StandInDescription, server?: PostgresServer) {
    this.description = description;
    this.server = server;
    this.port = description.port;
    this.addresses = description.addresses;
    this.databases = description.databases;
    this.users = description.users;
    this.tls = description.tls;
    this.logFile = description.logFile;
    this.admin = { psql: description.psql, socketDir: description.socketDir, port: description.port, superuser: description.superuser };
    this.current = [...description.instances];
  }

  /** The instances as this handle knows them. */
  get instances(): readonly StandInInstance[] {
    return this.current;
  }

  /** True when this handle started the server and `stop()` stops it. */
  get owned(): boolean {
    return this.server !== undefined;
  }

  /** The instance called `name`; throws when there is none. */
  instance(name: string): StandInInstance {
    const found = this.current.find((i) => i.name === name);
    if (!found) throw new ConfigError('instance', `the stand-in has no instance ${name} (it has ${this.current.map((i) => i.name).join(', ') || 'none'})`);
    return found;
  }

  /**
   * A connection string for one test user, e.g. `postgresql://picots_scram:…@127.0.0.1:41234/picots`.
   *
   * @example
   * ```ts
   * standIn.dsn('md5', { instance: 'i2', params: { sslmode: 'disable' } })
   * ```
   */
  dsn(kind: UserKind = 'scram', options: DsnOptions = {}): string {
    const user = this.users[kind];
    const targets = options.allInstances
      ? this.current.map((i) => i.address)
      : [options.instance ? this.instance(options.instance).address : (this.current[0]?.address ?? `${this.addresses[0]}:${this.port}`)];
    const query = new URLSearchParams(options.params ?? {}).toString();
    const credentials = `${encodeURIComponent(user.user)}:${encodeURIComponent(user.password)}`;
    const database = encodeURIComponent(options.database ?? this.databases.current);
    return `postgresql://${credentials}@${targets.join(',')}/${database}${query ? `?${query}` : ''}`;
  }

  /**
   * Runs SQL as the superuser through psql over the unix socket (see {@link runPsql}); in `picots`
   * unless `database` says otherwise. Returns the printed rows, `|` between columns.
   */
  sql(statement: string, database: string = this.databases.current): Promise<string> {
    return runPsql(this.admin, statement, { database });
  }

  /**
   * Sets an instance's `current_state` to `state` and `target_state` to `target` (default: the same),
   * as Picodata shows them: `["Offline",1]`. The incarnation grows when the target becomes Online again.
   */
  async setState(name: string, state: InstanceStateName, target: InstanceStateName = state): Promise<void> {
    for (const s of [state, target]) {
      if (!INSTANCE_STATES.includes(s)) throw new ConfigError('state', `expected one of ${INSTANCE_STATES.join(', ')}, not ${s}`);
    }
    await this.inBothSchemas(name, (shape) => setStateSql(shape, name, state, target));
    this.replace(name, (i) => ({ ...i, state }));
  }

  /**
   * Sets an instance's `failure_domain`, e.g. `{ zone: 'eu-1' }`, as Picodata's `--failure-domain` would.
   * Set it before a client discovers the instance: Picodata fixes it when the instance joins.
   */
  async setFailureDomain(name: string, domain: Readonly<Record<string, string>>): Promise<void> {
    for (const [key, value] of Object.entries(domain)) {
      if (typeof value !== 'string') throw new ConfigError('failureDomain', `values must be strings, not ${typeof value} at ${key}`);
    }
    await this.inBothSchemas(name, (shape) => setFailureDomainSql(shape, name, domain));
  }

  /** Changes the pgproto address advertised for an instance, e.g. to a proxy's in front of it. */
  async setAdvertisedAddress(name: string, address: string): Promise<void> {
    await this.inBothSchemas(name, (shape) => setAdvertisedAddressSql(shape, name, address));
    this.replace(name, (i) => ({ ...i, advertisedAddress: address }));
  }

  /**
   * {@link setAdvertisedAddress} for many instances in one psql run (a run each costs seconds for a
   * hundred instances). Throws before changing anything when a name is unknown.
   */
  async setAdvertisedAddresses(addresses: ReadonlyMap<string, string>): Promise<void> {
    if (addresses.size === 0) return;
    const unknownIn = (known: readonly StandInInstance[]) => {
      const names = new Set(known.map((i) => i.name));
      return [...addresses.keys()].filter((name) => !names.has(name));
    };
    // An instance another process added is not in this handle's list until it refreshes.
    const unknown = unknownIn(this.current).length > 0 ? unknownIn(await this.refresh()) : [];
    if (unknown.length > 0) throw new ConfigError('instance', `the stand-in has no instance ${unknown.join(', ')}`);
    await this.sql(SHAPES.map((shape) => [
      `\\connect ${quoteIdent(this.databases[shape])}`,
      ...[...addresses].map(([name, address]) => setAdvertisedAddressSql(shape, name, address)),
    ].join('\n')).join('\n'));
    this.current = this.current.map((i) => {
      const address = addresses.get(i.name);
      return address === undefined ? i : { ...i, advertisedAddress: address };
    });
  }

  /**
   * Adds an instance on the first spare loopback address; no restart is needed because the server
   * listens on the spare addresses from the start.
   */
  async addInstance(options: AddInstanceOptions = {}): Promise<StandInInstance> {
    await this.refresh();
    const host = this.addresses.find((a) => !this.current.some((i) => i.host === a));
    if (!host) {
      throw new StandInError(`no spare address left (all ${this.addresses.length} are in use): start the stand-in with a larger spareAddresses`);
    }
    const raftId = Number(await this.sql(NEXT_RAFT_ID_SQL));
    const replicasetName = options.replicasetName ?? `r${raftId}`;
    const backendAddress = `${host}:${this.port}`;
    const advertisedAddress = options.advertise ? await options.advertise(`i${raftId}`, backendAddress) : backendAddress;
    const record = newRecord({
      raftId, host, port: this.port, replicasetName,
      replicasetUuid: this.current.find((i) => i.replicasetName === replicasetName)?.replicasetUuid ?? randomUUID(),
      tier: options.tier ?? this.description.tier,
      picodataVersion: this.description.picodataVersion,
      state: options.state ?? 'Online',
      advertisedAddress,
    });
    // A new tier comes with its first instance, with the stand-in's replication factor.
    const tier = ensureTierSql({
      name: record.tier, bucketCount: DEFAULT_BUCKET_COUNT, replicationFactor: this.description.replicationFactor ?? 1,
      canVote: true, isDefault: false,
    });
    await this.sql(SHAPES.map((shape) =>
      `\\connect ${quoteIdent(this.databases[shape])}\n${shape === 'current' ? `${tier}\n` : ''}${insertInstanceSql(shape, record)}`).join('\n'));
    const instance = toInstance(record);
    this.current = [...this.current, instance];
    this.#changed();
    return instance;
  }

  /** Deletes an instance's rows everywhere. Its address keeps accepting sessions, which then belong to no instance. */
  async removeInstance(name: string): Promise<void> {
    await this.inBothSchemas(name, (shape) => removeInstanceSql(shape, name));
    this.current = this.current.filter((i) => i.name !== name);
    this.#changed();
  }

  /**
   * Gives the buckets `range.start..range.end` of `tier` to the replicaset `replicasetName`: from now on
   * `_pico_bucket(tier)` names it as their owner, which is how a finished rebalancing looks to a client.
   * Undone when a replicaset joins or leaves the tier (the stand-in then splits the tier's buckets evenly
   * again). Throws a `ConfigError` for a bad range, tier or replicaset.
   */
  async moveBuckets(range: BucketIdRange, replicasetName: string, tier = 'default'): Promise<void> {
    const { start, end } = range ?? {};
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 1 || end < start) {
      throw new ConfigError('range', `expected { start, end } with whole numbers 1 <= start <= end, not ${JSON.stringify(range)}`);
    }
    try {
      await this.sql(moveBucketsSql(tier, start, end, replicasetName));
    } catch (error) {
      const reason = error instanceof Error ? /stand-in: (.*)/.exec(error.message)?.[1] : undefined;
      if (reason === undefined) throw error;
      const option = reason.startsWith('no tier') ? 'tier' : reason.includes('no replicaset') ? 'replicasetName' : 'range';
      throw new ConfigError(option, reason);
    }
    this.#changed();
  }

  /**
   * Makes `instanceName` the master of `replicasetName`: `_pico_replicaset.current_master_name` and
   * `target_master_name` both name it (Picodata's state after a finished switchover). Throws a
   * `ConfigError` when the instance is not in that replicaset.
   */
  async setLeader(replicasetName: string, instanceName: string): Promise<void> {
    const done = await this.sql(setLeaderSql(replicasetName, instanceName));
    if (done === '') {
      throw new ConfigError('instance', `the stand-in has no instance ${instanceName} in a replicaset ${replicasetName}`);
    }
    this.#changed();
  }

  /**
   * Sets how `table` appears in `_pico_table.distribution`: sharded by `key` (columns in sharding-key
   * order, as `DISTRIBUTED BY (...)` would) on `tier` (the default tier by default), or `'global'`; `null`
   * goes back to the default, its primary key on the default tier. May be called before the table exists.
   */
  async setDistribution(table: string, distribution: TableDistribution | null): Promise<void> {
    if (typeof table !== 'string' || table === '') throw new ConfigError('table', 'expected a table name');
    if (distribution !== null && distribution !== 'global') {
      const key: unknown = distribution?.key;
      if (!Array.isArray(key) || key.length === 0 || !key.every((c) => typeof c === 'string' && c !== '')) {
        throw new ConfigError('distribution', `expected 'global' or { key: ['column', ...], tier? }, not ${JSON.stringify(distribution)}`);
      }
      if (distribution.tier !== undefined && (typeof distribution.tier !== 'string' || distribution.tier === '')) {
        throw new ConfigError('distribution', `tier must be a tier name, not ${JSON.stringify(distribution.tier)}`);
      }
    }
    const json = distribution === null ? null : distributionJson(distribution, this.description.tier);
    await this.sql(setDistributionSql(table, json));
    this.#changed();
  }

  /**
   * Lets the user of `kind` read `table` (by default all of `_pico_tier`, `_pico_replicaset` and
   * `_pico_table`), as Picodata's `GRANT READ ON TABLE` does. Without it, reading them fails with
   * PostgreSQL's 42501 "permission denied" (XX000 through the gateway, as Picodata reports access errors).
   */
  async grant(kind: UserKind, table: TopologyTable | readonly TopologyTable[] = TOPOLOGY_TABLES): Promise<void> {
    await this.sql(topologyGrantSql(true, this.#user(kind), topologyTables(table)));
  }

  /** Undoes {@link grant}. */
  async revoke(kind: UserKind, table: TopologyTable | readonly TopologyTable[] = TOPOLOGY_TABLES): Promise<void> {
    await this.sql(topologyGrantSql(false, this.#user(kind), topologyTables(table)));
  }

  /**
   * Calls `listener` after each change this handle makes to what decides a key's owner (instances,
   * buckets, leaders, distributions); returns a function that stops it. The cluster's gateway uses it to
   * drop what it cached.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  #user(kind: UserKind): string {
    const user = this.users[kind] as StandIn['users'][UserKind] | undefined;
    if (!user) throw new ConfigError('userKind', `expected one of ${Object.keys(this.users).join(', ')}, not ${String(kind)}`);
    return user.user;
  }

  /**
   * Terminates every session that came in on the instance's address (as if it restarted) and waits
   * until they are gone. Returns how many there were. Linux only: the address a session came in on is
   * read from /proc, as PostgreSQL 15 does not show it.
   */
  async terminateBackends(name: string): Promise<number> {
    // An instance another process added is not in this handle's list until it refreshes.
    if (!this.current.some((i) => i.name === name)) await this.refresh();
    const { address } = this.instance(name);
    const pids = (await this.sql(
      `SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND client_addr IS NOT NULL AND pid <> pg_backend_pid()`,
      'postgres',
    )).split('\n').filter((line) => line !== '').map(Number);
    const serverAddresses = await backendServerAddresses(pids, this.port);
    const victims = pids.filter((pid) => serverAddresses.get(pid) === address);
    if (victims.length === 0) return 0;
    const list = `ARRAY[${victims.join(',')}]::int[]`;
    await this.sql(`SELECT pg_terminate_backend(pid) FROM unnest(${list}) AS pid`, 'postgres');
    const deadline = Date.now() + TERMINATE_WAIT_MS;
    while (Number(await this.sql(`SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(${list})`, 'postgres')) > 0) {
      if (Date.now() > deadline) throw new StandInError(`sessions of ${name} still alive ${TERMINATE_WAIT_MS} ms after pg_terminate_backend`);
      await sleep(20);
    }
    return victims.length;
  }

  /** Reloads `instances` from the database, to see changes made through other handles. */
  async refresh(): Promise<readonly StandInInstance[]> {
    const rows = JSON.parse(await this.sql(READ_INSTANCES_SQL)) as InstanceRecord[];
    this.current = rows.map(toInstance);
    return this.current;
  }

  /** A JSON-safe description, for {@link attachStandIn} in another process (e.g. a test file). */
  describe(): StandInDescription {
    return { ...this.description, instances: this.current };
  }

  /** Stops the server and removes its files when this handle started it; does nothing for an attached handle. */
  async stop(): Promise<void> {
    await this.server?.stop();
  }

  private async inBothSchemas(name: string, statement: (shape: SchemaShape) => string): Promise<void> {
    const script = SHAPES.map((shape) => `\\connect ${quoteIdent(this.databases[shape])}\n${statement(shape)}`).join('\n');
    const touched = await this.sql(script);
    // Each statement ends in RETURNING the instance's name; nothing printed means no such instance.
    if (touched === '') throw new ConfigError('instance', `the stand-in has no instance ${name}`);
  }

  private replace(name: string, change: (i: StandInInstance) => StandInInstance): void {
    this.current = this.current.map((i) => (i.name === name ? change(i) : i));
  }
}

/**
 * Starts a stand-in cluster: a PostgreSQL server on `instances + spareAddresses` loopback addresses,
 * the test users and databases, and Picodata's discovery schema in both shapes. Takes about a second.
 *
 * @example
 * ```ts
 * const standIn = await startStandIn({ instances: 3, tls: true });
 * try {
 *   const client = new pg.Client(standIn.dsn('scram', { instance: 'i2' }));
 *   // SELECT pico_instance_uuid() answers standIn.instance('i2').uuid
 * } finally {
 *   await standIn.stop();
 * }
 * ```
 */
export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const count = options.instances ?? 3;
  const spare = options.spareAddresses ?? 4;
  const replicationFactor = options.replicationFactor ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new ConfigError('instances', `expected a whole number >= 1, not ${count}`);
  if (!Number.isInteger(spare) || spare < 0) throw new ConfigError('spareAddresses', `expected a whole number >= 0, not ${spare}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new ConfigError('replicationFactor', `expected a whole number >= 1, not ${replicationFactor}`);
  }
  const tier = options.tier ?? 'default';
  const picodataVersion = options.picodataVersion ?? '25.3.1';
  const tiers = tierPlan(options, tier, count, replicationFactor);
  const total = tiers.reduce((sum, t) => sum + t.instances, 0);
  const addresses = loopbackAddresses(total + spare);
  const readers = topologyReaders(options.grantTopologyRead);

  const server = await startPostgres({
    addresses, tls: options.tls, database: DATABASES.current, startTimeoutMs: options.startTimeoutMs, settings: options.settings,
  });
  try {
    // Replicasets are numbered across tiers: r1, r2 in the main tier, then r3, ... in the next.
    const records: InstanceRecord[] = [];
    let replicasets = 0;
    for (const t of tiers) {
      for (let k = 0; k < t.instances; k += 1) {
        const index = records.length;
        if (k % t.replicationFactor === 0) replicasets += 1;
        records.push(newRecord({
          raftId: index + 1, host: addresses[index] ?? '', port: server.port, replicasetName: `r${replicasets}`,
          replicasetUuid: '', tier: t.name, picodataVersion, state: 'Online',
        }));
      }
    }
    const uuids = new Map<string, string>();
    const withUuids = records.map((r) => {
      if (!uuids.has(r.replicasetName)) uuids.set(r.replicasetName, randomUUID());
      return { ...r, replicasetUuid: uuids.get(r.replicasetName) ?? '' };
    });
    const schema = (shape: SchemaShape) => [
      discoverySchemaSql(shape, CLIENTS_ROLE),
      ...(shape === 'current' ? [shardingSchemaSql(tiers)] : []),
      ...withUuids.map((r) => insertInstanceSql(shape, r)),
    ].join('\n');
    const grants = readers.map((kind) => topologyGrantSql(true, server.users[kind].user, TOPOLOGY_TABLES));
    await server.sql([
      schema('current'),
      ...grants,
      `CREATE DATABASE ${quoteIdent(DATABASES.legacy)};`,
      `\\connect ${quoteIdent(DATABASES.legacy)}`,
      grantDatabaseSql(DATABASES.legacy, server.users),
      schema('legacy'),
    ].join('\n'), DATABASES.current);

    return new StandIn({
      kind: 'picots-stand-in',
      port: server.port,
      addresses,
      baseDir: server.baseDir,
      dataDir: server.dataDir,
      socketDir: server.socketDir,
      logFile: server.logFile,
      superuser: server.superuser,
      psql: server.psql,
      databases: DATABASES,
      users: server.users,
      instances: withUuids.map(toInstance),
      tls: server.tls ?? null,
      tier,
      picodataVersion,
      replicationFactor,
    }, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * A handle on a stand-in that another process started, from its {@link StandIn.describe} (or that as
 * JSON text). Its `stop()` does nothing: the owner stops the server.
 */
export function attachStandIn(description: StandInDescription | string): StandIn {
  const parsed: unknown = typeof description === 'string' ? JSON.parse(description) : description;
  if (typeof parsed !== 'object' || parsed === null || (parsed as { kind?: unknown }).kind !== 'picots-stand-in') {
    throw new ConfigError('description', 'not a stand-in description (expected the output of StandIn.describe())');
  }
  return new StandIn(parsed as StandInDescription);
}

/** A tier to create at start, with how many instances it starts with. */
interface PlannedTier extends TierSettings {
  readonly instances: number;
}

/** The main tier first (with `count` instances), then the other tiers in the order given. */
function tierPlan(options: StandInOptions, main: string, count: number, replicationFactor: number): PlannedTier[] {
  const given = options.tiers ?? [];
  if (!Array.isArray(given)) throw new ConfigError('tiers', 'expected an array of { name, bucketCount?, replicationFactor?, canVote?, instances? }');
  const whole = (option: string, value: unknown, min: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new ConfigError(option, `expected a whole number >= ${min}, not ${String(value)}`);
    }
    return value;
  };
  const plan = (t: StandInTierOptions | undefined, name: string, instances: number, bucketCount?: number): PlannedTier => ({
    name,
    bucketCount: whole('bucketCount', t?.bucketCount ?? bucketCount, 1, DEFAULT_BUCKET_COUNT),
    replicationFactor: whole('replicationFactor', t?.replicationFactor, 1, replicationFactor),
    canVote: t?.canVote ?? true,
    isDefault: name === main,
    instances,
  });
  const seen = new Set<string>();
  for (const t of given) {
    if (typeof t?.name !== 'string' || t.name === '') throw new ConfigError('tiers', `every tier needs a name, not ${JSON.stringify(t)}`);
    if (seen.has(t.name)) throw new ConfigError('tiers', `tier ${t.name} is given twice`);
    seen.add(t.name);
  }
  const mainEntry = given.find((t) => t.name === main);
  if (mainEntry?.instances !== undefined) {
    throw new ConfigError('tiers', `the main tier ${main} takes its instance count from the instances option, not tiers[].instances`);
  }
  if (mainEntry?.bucketCount !== undefined && options.bucketCount !== undefined) {
    throw new ConfigError('bucketCount', `given both as bucketCount and in tiers for ${main}`);
  }
  return [
    plan(mainEntry, main, count, options.bucketCount),
    ...given.filter((t) => t.name !== main).map((t) => plan(t, t.name, whole('instances', t.instances, 0, 0))),
  ];
}

/** The user kinds `grantTopologyRead` names. */
function topologyReaders(option: StandInOptions['grantTopologyRead']): UserKind[] {
  if (option === undefined || option === false) return [];
  const all = Object.keys(STAND_IN_USERS) as UserKind[];
  if (option === true) return all;
  if (!Array.isArray(option) || !option.every((k) => all.includes(k as UserKind))) {
    throw new ConfigError('grantTopologyRead', `expected true, false or a list of ${all.join(', ')}`);
  }
  return [...option] as UserKind[];
}

function topologyTables(table: TopologyTable | readonly TopologyTable[]): TopologyTable[] {
  const list = typeof table === 'string' ? [table] : [...table];
  const bad = list.filter((t) => !TOPOLOGY_TABLES.includes(t));
  if (list.length === 0 || bad.length > 0) {
    throw new ConfigError('table', `expected ${TOPOLOGY_TABLES.join(', ')} (or a list of them), not ${bad.join(', ') || 'none'}`);
  }
  return list;
}

interface NewRecordInput {
  readonly raftId: number;
  readonly host: string;
  readonly port: number;
  readonly replicasetName: string;
  readonly replicasetUuid: string;
  readonly tier: string;
  readonly picodataVersion: string;
  readonly state: InstanceStateName;
  /** The backend address by default. */
  readonly advertisedAddress?: string;
}

function newRecord(input: NewRecordInput): InstanceRecord {
  const address = `${input.host}:${input.port}`;
  return {
    name: `i${input.raftId}`,
    uuid: randomUUID(),
    raftId: input.raftId,
    replicasetName: input.replicasetName,
    replicasetUuid: input.replicasetUuid,
    tier: input.tier,
    picodataVersion: input.picodataVersion,
    state: input.state,
    advertisedAddress: input.advertisedAddress ?? address,
    // Never listened on: only there because Picodata lists one per instance (3301 is its default).
    iprotoAddress: `${input.host}:${3300 + input.raftId}`,
    backendAddress: address,
  };
}

function toInstance(r: InstanceRecord): StandInInstance {
  const split = r.backendAddress.lastIndexOf(':');
  return {
    name: r.name,
    uuid: r.uuid,
    raftId: Number(r.raftId),
    replicasetName: r.replicasetName,
    replicasetUuid: r.replicasetUuid,
    tier: r.tier,
    host: r.backendAddress.slice(0, split),
    port: Number(r.backendAddress.slice(split + 1)),
    address: r.backendAddress,
    advertisedAddress: r.advertisedAddress,
    state: r.state,
  };
}
