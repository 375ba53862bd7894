/**
 * The TopologyFollower finds the cluster and keeps the membership in step with it: it asks a seed for the
 * instances at startup (bootstrap), reads `_pico_instance`/`_pico_peer_address` again on an adaptive schedule
 * (Picodata pushes nothing; clients poll), and reconciles the membership with each answer. Instances that
 * join get connections; ones that go Offline, are expelled, vanish or move leave rotation at once and drain.
 */
import type { ResolvedClusterOptions } from '../config/cluster-options.js';
import type { DsnHost } from '../config/parse-dsn.js';
import { AuthenticationError, ConnectionError, NoInstanceAvailableError } from '../errors.js';
import { classifyFailure } from '../failover/failure-class.js';
import { Connection } from '../protocol/connection.js';
import { discoverInstances, type DiscoveryResult } from '../topology/discover.js';
import { RefreshSchedule, type RefreshOutcome } from '../topology/refresh-schedule.js';
import type { AuthLatch } from './auth-latch.js';
import type { Clock } from './clock.js';
import type { TopologyChange } from './cluster-events.js';
import type { Member } from './member.js';
import { describeFailures, type Membership, type MembershipChange } from './membership.js';

export interface TopologyFollowerOptions {
  readonly options: ResolvedClusterOptions;
  readonly membership: Membership;
  readonly authLatch: AuthLatch;
  readonly clock: Clock;
  /** Members in rotation and not quarantined. */
  healthy(): readonly Member[];
  /** The `options` startup string of the default session. */
  readonly defaultSession: string;
  instanceFailed(member: Member, error: Error): void;
  /** A warning, reported once per key. */
  warnOnce(key: string, code: string, message: string, member?: Member): void;
  /** The membership changed: report it (events) and drop cached views of it. */
  changed(change: MembershipChange): void;
  refreshed(change: TopologyChange): void;
  isClosing(): boolean;
}

interface Discovered {
  readonly schema: DiscoveryResult['schema'];
  /** Which instance the seed was, so it stays reachable even when it advertises no usable address. */
  readonly self: { uuid: string | undefined; seed: DsnHost };
}

export class TopologyFollower {
  readonly #o: TopologyFollowerOptions;
  readonly #schedule: RefreshSchedule;
  #discovered: Discovered | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: TopologyFollowerOptions) {
    this.#o = options;
    this.#schedule = new RefreshSchedule({ refreshInterval: options.options.refreshInterval });
  }

  /**
   * Builds the membership (from discovery, or from the seeds) and opens each instance's share of
   * connections. Fails on a wrong password, or when no instance can be reached.
   */
  async open(): Promise<void> {
    const o = this.#o;
    const boot = o.options.enableDiscovery ? await this.#bootstrap() : undefined;
    let change: MembershipChange;
    if (boot !== undefined) {
      this.#discovered = { schema: boot.result.schema, self: { uuid: boot.result.selfUuid, seed: boot.seed } };
      for (const w of boot.result.warnings) o.warnOnce(`discovery:${w}`, 'DISCOVERY_NOTE', w);
      change = o.membership.fromDiscovery(boot.result.instances, this.#discovered.self);
    } else {
      change = o.membership.fromSeeds(o.options.seeds);
    }
    o.changed(change);
    const members = [...o.membership.list()];
    if (members.length === 0) {
      throw new NoInstanceAvailableError('discovery found no Online instance with a reachable pgproto address');
    }
    // Open each instance's share now (as picopyn does): wrong credentials and unreachable instances show up here.
    const results = await Promise.allSettled(members.map((m) => this.#warm(m)));
    const failures = new Map<string, Error>();
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      const member = members[i]!;
      const error = r.reason as Error;
      failures.set(member.address, error);
      o.instanceFailed(member, error);
      o.warnOnce(`unreachable:${member.key}`, 'INSTANCE_UNREACHABLE', `instance ${member.name} at ${member.address} cannot be reached: ${error.message}`, member);
    });
    const auth = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof AuthenticationError);
    if (auth !== undefined) throw auth.reason;
    if (failures.size === members.length) {
      throw new NoInstanceAvailableError(`no instance could be reached (${describeFailures(failures)})`, failures, firstValue(failures));
    }
    if (this.#discovered !== undefined) this.schedule('unchanged');
  }

  /** Reads the topology now (single-flight) and applies what changed. No-op without discovery. */
  refresh(): Promise<void> {
    if (this.#discovered === undefined) return Promise.resolve();
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Plans the next refresh after a round with this outcome (sooner after a change or an error). */
  schedule(outcome: RefreshOutcome): void {
    if (this.#o.isClosing() || this.#discovered === undefined) return;
    const delay = this.#schedule.next(this.#o.clock.now(), outcome);
    this.stop();
    if (!Number.isFinite(delay)) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh();
    }, delay);
    // Following the topology is no reason to keep a process alive.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #warm(member: Member): Promise<void> {
    const pool = member.poolFor(this.#o.defaultSession);
    const held = await Promise.allSettled(Array.from({ length: member.maxSize }, () => pool.acquire()));
    for (const h of held) if (h.status === 'fulfilled') h.value.release();
    const failed = held.find((h): h is PromiseRejectedResult => h.status === 'rejected');
    if (failed !== undefined && held.every((h) => h.status === 'rejected')) throw failed.reason;
  }

  /**
   * Connects to the seeds in random order (so many processes do not all ask the same one) and reads the
   * topology. Returns undefined when the server has no discovery tables: the pool then works on the seeds.
   */
  async #bootstrap(): Promise<{ result: DiscoveryResult; seed: DsnHost } | undefined> {
    const o = this.#o;
    const failures = new Map<string, Error>();
    for (const seed of shuffled(o.options.seeds)) {
      let conn: Connection;
      try {
        conn = await o.authLatch.login(() => Connection.connect({ ...o.options.connection, host: seed.host, port: seed.port }));
      } catch (error) {
        if (error instanceof AuthenticationError) throw error;
        failures.set(`${seed.host}:${seed.port}`, error as Error);
        continue;
      }
      try {
        return { result: await discoverInstances(conn, { timeout: o.options.connection.connectTimeout }), seed };
      } catch (error) {
        if (error instanceof ConnectionError) {
          failures.set(conn.address, error);
          continue;
        }
        o.warnOnce('discovery-failed', 'DISCOVERY_FAILED', `discovery failed (${(error as Error).message}); working on the seed addresses only`);
        return undefined;
      } finally {
        void conn.close();
      }
    }
    throw new NoInstanceAvailableError(`no seed address could be reached (${describeFailures(failures)})`, failures, firstValue(failures));
  }

  async #refresh(): Promise<void> {
    const o = this.#o;
    const discovered = this.#discovered;
    if (discovered === undefined || o.isClosing()) return;
    const timeout = o.options.connection.connectTimeout === Infinity ? 10_000 : o.options.connection.connectTimeout;
    let result: DiscoveryResult | undefined;
    // The least busy first: a read queued behind a long statement would wait for it (and time out).
    for (const member of leastBusyFirst(o.healthy())) {
      try {
        result = await discoverInstances(member.poolFor(o.defaultSession), { schema: discovered.schema, self: false, timeout });
        break;
      } catch (error) {
        if (classifyFailure(error).instanceFault) o.instanceFailed(member, error as Error);
      }
    }
    if (result === undefined) {
      // No member could answer: ask the seeds, which may know of instances we have not met yet.
      try {
        result = (await this.#bootstrap())?.result;
      } catch {
        // Reported through the members' own failures; keep trying on the fast schedule.
      }
    }
    if (o.isClosing()) return;
    if (result === undefined) {
      this.schedule('error');
      return;
    }
    for (const w of result.warnings) o.warnOnce(`discovery:${w}`, 'DISCOVERY_NOTE', w);
    const change = o.membership.fromDiscovery(result.instances, discovered.self);
    o.changed(change);
    // New members get their connections on demand; open one now so that a bad address shows up at once.
    for (const m of change.added) {
      m.poolFor(o.defaultSession).acquire().then(
        (c) => c.release(),
        (error: unknown) => o.instanceFailed(m, error as Error),
      );
    }
    o.refreshed({ added: change.added.map((m) => m.ref), removed: change.removed.map((m) => m.ref) });
    this.schedule(change.added.length + change.removed.length > 0 ? 'changed' : 'unchanged');
  }
}

function firstValue<V>(map: ReadonlyMap<string, V>): V | undefined {
  return map.values().next().value;
}

function leastBusyFirst(members: readonly Member[]): Member[] {
  return shuffled(members).sort((a, b) => a.inFlight - b.inFlight);
}

function shuffled<T>(list: readonly T[]): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
