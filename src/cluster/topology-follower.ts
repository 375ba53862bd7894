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
import { discoverInstances, DiscoveryMemo, type DiscoveredInstance, type DiscoveryResult } from '../topology/discover.js';
import { MAX_TIMER_MS } from '../config/validate.js';
import { RefreshSchedule, type RefreshOutcome } from '../topology/refresh-schedule.js';
import type { AuthLatch } from './auth-latch.js';
import type { Clock } from './clock.js';
import type { TopologyChange } from './cluster-events.js';
import type { Member } from './member.js';
import { describeFailures, WARMING_GRACE_MS, type Membership, type MembershipChange } from './membership.js';

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
  /**
   * The instances were read (after bootstrap, once an instance is usable, in the background; and on each
   * refresh, awaited): load what depends on them, such as the bucket map. `selfUuid` is the seed's, at bootstrap.
   */
  topologyRead?(instances: readonly DiscoveredInstance[], selfUuid: string | undefined): Promise<void>;
}

interface Discovered {
  readonly schema: DiscoveryResult['schema'];
  /** Which instance the seed was, so it stays reachable even when it advertises no usable address. */
  readonly self: { uuid: string | undefined; seed: DsnHost };
}

/** How long a seed may stay silent before the next one is asked as well, in ms. */
export const SEED_STAGGER_MS = 250;

export class TopologyFollower {
  readonly #o: TopologyFollowerOptions;
  readonly #schedule: RefreshSchedule;
  #discovered: Discovered | undefined;
  /** Last refresh's rows: an idle refresh of a large cluster does not parse every row again. */
  readonly #memo = new DiscoveryMemo<DiscoveredInstance>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #paused = false;
  readonly #periodic: boolean;

  constructor(options: TopologyFollowerOptions) {
    this.#o = options;
    // refreshInterval: Infinity means no periodic refresh; only errors and refresh() read the topology.
    this.#periodic = options.options.refreshInterval !== Infinity;
    this.#schedule = new RefreshSchedule({ refreshInterval: this.#periodic ? options.options.refreshInterval : MAX_TIMER_MS });
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
    for (const m of members) o.membership.warmingUp(m);
    // Open each instance's share now (as picopyn does), so that wrong credentials and unreachable instances
    // show up at once; resolve as soon as one instance is usable, and let the others finish in the
    // background: one silent instance must not hold up the whole client.
    await firstUsable(members.map((m) => ({
      address: m.address,
      opened: this.#warm(m).then(
        () => o.membership.ready(m),
        (error: unknown) => {
          o.instanceFailed(m, error as Error);
          o.membership.ready(m);
          o.warnOnce(`unreachable:${m.key}`, 'INSTANCE_UNREACHABLE', `instance ${m.name} at ${m.address} cannot be reached: ${(error as Error).message}`, m);
          throw error;
        },
      ),
    })));
    if (this.#discovered !== undefined) this.schedule('unchanged');
    // In the background: the bucket map is an optimisation, connect() must not wait for it.
    if (boot !== undefined) void o.topologyRead?.(boot.result.instances, boot.result.selfUuid);
  }

  /** Reads the topology now (single-flight) and applies what changed. No-op without discovery. */
  refresh(): Promise<void> {
    if (this.#discovered === undefined) return Promise.resolve();
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** True while the refresh is paused because the pool has been idle long enough to close every connection. */
  get paused(): boolean {
    return this.#paused;
  }

  /** The pool is in use again: read the topology now, and follow it from then on. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    void this.refresh();
  }

  /** Plans the next refresh after a round with this outcome (sooner after a change or an error). */
  schedule(outcome: RefreshOutcome): void {
    if (this.#o.isClosing() || this.#discovered === undefined) return;
    const delay = this.#schedule.next(this.#o.clock.now(), outcome);
    this.stop();
    if (!Number.isFinite(delay) || (!this.#periodic && outcome === 'unchanged')) return;
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
    const pool = member.connectionsFor(this.#o.defaultSession);
    const held = await Promise.allSettled(Array.from({ length: member.maxSize }, () => pool.acquire()));
    for (const h of held) if (h.status === 'fulfilled') h.value.release();
    const failed = held.find((h): h is PromiseRejectedResult => h.status === 'rejected');
    if (failed !== undefined && held.every((h) => h.status === 'rejected')) throw failed.reason;
  }

  /**
   * Asks the seeds for the topology, in random order (so many processes do not all ask the same one) and
   * staggered: the next seed is tried when the one before fails or has not answered within
   * {@link SEED_STAGGER_MS}, so a silent seed costs that much, not a whole connect timeout. The first answer
   * wins; the other attempts are abandoned. Returns undefined when the server has no discovery tables: the
   * pool then works on the seeds.
   */
  #bootstrap(): Promise<{ result: DiscoveryResult; seed: DsnHost } | undefined> {
    const o = this.#o;
    const seeds = shuffled(o.options.seeds);
    const failures = new Map<string, Error>();
    const abandon = new AbortController();
    return new Promise((resolve, reject) => {
      let started = 0;
      let finished = 0;
      let done = false;
      let stagger: NodeJS.Timeout | undefined;
      const settle = (fn: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(stagger);
        abandon.abort();
        fn();
      };
      const startNext = (): void => {
        clearTimeout(stagger);
        if (done || started >= seeds.length) return;
        const seed = seeds[started++]!;
        stagger = setTimeout(startNext, SEED_STAGGER_MS);
        stagger.unref();
        this.#askSeed(seed, abandon.signal).then(
          (answer) => settle(() => resolve(answer)),
          (error: unknown) => {
            finished++;
            if (error instanceof AuthenticationError) return settle(() => reject(error));
            failures.set(formatSeed(seed), error as Error);
            if (finished === seeds.length) {
              return settle(() => reject(new NoInstanceAvailableError(`no seed address could be reached (${describeFailures(failures)})`, failures, firstValue(failures))));
            }
            startNext();
          },
        );
      };
      startNext();
    });
  }

  /** One seed: log in, read the topology. Resolves undefined when the server has no discovery tables. */
  async #askSeed(seed: DsnHost, signal: AbortSignal): Promise<{ result: DiscoveryResult; seed: DsnHost } | undefined> {
    const o = this.#o;
    const conn = await o.authLatch.login(() => Connection.connect({ ...o.options.connection, host: seed.host, port: seed.port, signal }), `${seed.host}:${seed.port}`);
    try {
      return { result: await discoverInstances(conn, { timeout: o.options.connection.connectTimeout, signal }), seed };
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      o.warnOnce('discovery-failed', 'DISCOVERY_FAILED', `discovery failed (${(error as Error).message}); working on the seed addresses only`);
      return undefined;
    } finally {
      void conn.close();
    }
  }

  async #refresh(): Promise<void> {
    const o = this.#o;
    const discovered = this.#discovered;
    if (discovered === undefined || o.isClosing()) return;
    const timeout = o.options.connection.connectTimeout === Infinity ? 10_000 : o.options.connection.connectTimeout;
    if (!o.membership.list().some((m) => m.total > 0)) {
      // Every connection has closed for idleness: nobody is using the pool. Opening one just to follow the
      // topology would keep such a process alive forever; the next statement resumes the refresh.
      this.#paused = true;
      return;
    }
    let result: DiscoveryResult | undefined;
    // The least busy first: a read queued behind a long statement would wait for it (and time out).
    for (const member of leastBusyFirst(o.healthy())) {
      try {
        const conns = member.connectionsFor(o.defaultSession);
        // A background read: it must not keep an idle connection open (see InstanceConnections.background).
        result = await discoverInstances({ query: (sql, params, options) => conns.background(sql, params, options) }, { schema: discovered.schema, self: false, timeout, memo: this.#memo });
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
      o.membership.warmingUp(m);
      m.connectionsFor(o.defaultSession).acquire().then(
        (c) => {
          c.release();
          o.membership.ready(m);
        },
        (error: unknown) => {
          o.membership.ready(m);
          o.instanceFailed(m, error as Error);
        },
      );
    }
    await o.topologyRead?.(result.instances, undefined);
    if (o.isClosing()) return;
    o.refreshed({ added: change.added.map((m) => m.ref), removed: change.removed.map((m) => m.ref) });
    this.schedule(change.added.length + change.removed.length > 0 ? 'changed' : 'unchanged');
  }
}

/**
 * Resolves once every attempt has settled, or {@link WARMING_GRACE_MS} after the first success, whichever
 * comes first: a healthy cluster is fully open when connect() returns, and a silent instance costs only the
 * grace. Rejects when all fail: with the authentication error if there is one (a wrong password is the
 * message that matters), else NoInstanceAvailableError listing each failure.
 */
function firstUsable(attempts: ReadonlyArray<{ address: string; opened: Promise<void> }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const failures = new Map<string, Error>();
    let settled = 0;
    let succeeded = false;
    let auth: AuthenticationError | undefined;
    let grace: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(grace);
      resolve();
    };
    const oneSettled = (): void => {
      if (++settled < attempts.length) return;
      if (succeeded) return done();
      reject(auth ?? new NoInstanceAvailableError(`no instance could be reached (${describeFailures(failures)})`, failures, firstValue(failures)));
    };
    for (const { address, opened } of attempts) {
      opened.then(
        () => {
          if (!succeeded) {
            succeeded = true;
            grace = setTimeout(done, WARMING_GRACE_MS);
          }
          oneSettled();
        },
        (error: Error) => {
          failures.set(address, error);
          if (error instanceof AuthenticationError) auth ??= error;
          oneSettled();
        },
      );
    }
  });
}

function formatSeed(seed: DsnHost): string {
  return seed.host.includes(':') ? `[${seed.host}]:${seed.port}` : `${seed.host}:${seed.port}`;
}

function firstValue<V>(map: ReadonlyMap<string, V>): V | undefined {
  return map.values().next().value;
}

/**
 * The members, least busy first, ties in random order. The first is found in one pass; the order of the
 * rest, needed only when the first cannot answer, is worked out then.
 */
function* leastBusyFirst(members: readonly Member[]): Generator<Member> {
  let first: Member | undefined;
  let least = Infinity;
  let ties = 0;
  for (const m of members) {
    const busy = m.inFlight;
    if (busy < least) {
      least = busy;
      first = m;
      ties = 1;
    } else if (busy === least && Math.random() * ++ties < 1) {
      first = m; // each of the tied members is kept with equal chance
    }
  }
  if (first === undefined) return;
  yield first;
  for (const m of shuffled(members).sort((a, b) => a.inFlight - b.inFlight)) if (m !== first) yield m;
}

function shuffled<T>(list: readonly T[]): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const swap = copy[i]!;
    copy[i] = copy[j]!;
    copy[j] = swap;
  }
  return copy;
}
