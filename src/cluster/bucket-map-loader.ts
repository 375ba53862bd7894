/**
 * Keeps the client's bucket map: it reads every tier's bucket ranges (`_pico_bucket`) and the replicasets'
 * leaders (`_pico_replicaset`) from one instance, in the background, and builds the {@link ShardRoutes} the
 * router uses for `routeKey` statements. A routing error that says the map is stale reads it again at once
 * (debounced, one read in flight).
 *
 * It starts with the first keyed use (a `routeKey` statement or session, `ownerOf()`), right away when the
 * topology is already known, and from then on reads the map again with every topology refresh. A pool with
 * `autoRoute` starts it at `connect()` (see {@link BucketMapLoader.activate}): its keys come from the second
 * execution of a statement, and the map must be there by then. A client
 * that never routes by key sends none of these reads, holds no connection for them and gets no warning
 * about them. The keyed statements issued before the first read ends are routed as without a key.
 *
 * Degrades quietly: without READ on `_pico_replicaset` keyed statements go to any member of the owning
 * replicaset (one debug line); a cluster without `_pico_bucket` (before Picodata 25.5.1) gets one warning
 * and no keyed routing.
 */
import { ShardRoutes, type KeyedAccess, type RouteTarget } from '../balance/keyed-routing.js';
import { ServerError } from '../errors.js';
import { classifyFailure } from '../failover/failure-class.js';
import { bucketRangesSql, parseBucketRanges, parseReplicasets, REPLICASETS_SQL, type BucketRanges, type ReplicasetLeader } from '../topology/bucket-map.js';
import type { DiscoveredInstance } from '../topology/discover.js';
import { isUnknownFunctionError } from '../topology/discovery-sql.js';
import type { Member } from './member.js';

/** The warning code of a cluster without `_pico_bucket`. */
export const NO_BUCKET_MAP = 'ERR_PICOTS_NO_BUCKET_MAP';

/** The key of the warning about keyed routing without discovery. */
const NO_DISCOVERY = 'keyed-without-discovery';

/** The tier keyed statements use when neither the call nor the seed names one. */
export const DEFAULT_ROUTE_TIER = 'default';

/** Wait after a stale-map error before reading again, so a burst of errors costs one read. */
export const STALE_DEBOUNCE_MS = 20;

export interface BucketMapLoaderOptions {
  /** Members in rotation and not quarantined. */
  healthy(): readonly Member[];
  /** Discovery is on: without it there is no topology, so no map (one warning at the first keyed use). */
  readonly discovery: boolean;
  /** The `options` startup string of the default session. */
  readonly session: string;
  /** Bound on each read, in ms. */
  readonly timeout: number;
  /** A warning, reported once per key. */
  warnOnce(key: string, code: string, message: string): void;
  debug(message: string): void;
  instanceFailed(member: Member, error: Error): void;
  isClosing(): boolean;
}

export class BucketMapLoader {
  readonly #o: BucketMapLoaderOptions;
  #routes: ShardRoutes | undefined;
  #instances: readonly DiscoveredInstance[] = [];
  #defaultTier: string | undefined;
  /** The cluster has no `_pico_bucket`: stop asking. */
  #unsupported = false;
  #noLeadersNoted = false;
  #loading: Promise<void> | undefined;
  #again = false;
  #staleTimer: NodeJS.Timeout | undefined;
  /** A keyed statement or `ownerOf()` has been seen: keep the map. */
  #active = false;

  constructor(options: BucketMapLoaderOptions) {
    this.#o = options;
  }

  /** The tier of the seed the topology came from, else `'default'`. */
  get defaultTier(): string {
    return this.#defaultTier ?? DEFAULT_ROUTE_TIER;
  }

  /** The current routes, or undefined before the first read (or without `_pico_bucket`). */
  get routes(): ShardRoutes | undefined {
    return this.#routes;
  }

  /**
   * Where a keyed statement whose key hashes to `hash` goes now; `null` when the map, the tier or the
   * owner is unknown (route as without a key).
   */
  target(hash: number, tier: string | undefined, access: KeyedAccess): RouteTarget | null {
    if (!this.#active) this.activate();
    return this.#routes?.target(hash, tier ?? this.defaultTier, access) ?? null;
  }

  /**
   * Keyed routing will be used: read the map from now on (at once when the topology is known, else with the
   * first topology read). For a pool with `autoRoute`, whose first keyed statement is the second
   * execution of a statement: waiting for it to start the read would send that one as without a key.
   */
  activate(): void {
    if (this.#active) return;
    this.#active = true;
    if (!this.#o.discovery) {
      this.#o.warnOnce(NO_DISCOVERY, 'OPTIONS',
        'routeKey and autoRoute need enableDiscovery: true (the bucket map comes with the topology): keyed statements are routed as without a key');
    }
    void this.reload();
  }

  /**
   * The instances were read: read the map for them (once keyed routing is in use). `selfUuid` names the
   * seed that answered (bootstrap only), whose tier becomes the default. Never rejects.
   */
  topologyRead(instances: readonly DiscoveredInstance[], selfUuid: string | undefined): Promise<void> {
    this.#instances = instances;
    if (this.#defaultTier === undefined && selfUuid !== undefined) {
      const tier = instances.find((i) => i.uuid === selfUuid)?.tier;
      if (tier !== undefined && tier !== '') this.#defaultTier = tier;
    }
    return this.reload();
  }

  /** A routing error said the map is stale: read it again soon (one read for a burst of errors). */
  stale(): void {
    if (this.#unsupported || this.#staleTimer !== undefined || this.#o.isClosing()) return;
    this.#staleTimer = setTimeout(() => {
      this.#staleTimer = undefined;
      void this.reload();
    }, STALE_DEBOUNCE_MS);
    this.#staleTimer.unref();
  }

  /** Reads the map now; one read in flight, and one more after it when asked meanwhile. Never rejects. */
  reload(): Promise<void> {
    if (!this.#active || this.#unsupported || this.#instances.length === 0 || this.#o.isClosing()) return Promise.resolve();
    if (this.#loading !== undefined) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        await this.#load().catch((error: unknown) => this.#o.debug(`bucket map not read: ${(error as Error).message}`));
      } while (this.#again && !this.#o.isClosing());
    })().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  stop(): void {
    clearTimeout(this.#staleTimer);
    this.#staleTimer = undefined;
  }

  async #load(): Promise<void> {
    const o = this.#o;
    const instances = this.#instances;
    const tiers = [...new Set(instances.map((i) => i.tier).filter((t) => t !== ''))];
    let lastError: unknown;
    // The least busy first: a background read queued behind a long statement would wait for it.
    for (const member of [...o.healthy()].sort((a, b) => a.inFlight - b.inFlight)) {
      if (o.isClosing()) return;
      const conns = member.connectionsFor(o.session);
      const read = (sql: string) => conns.background<Record<string, unknown>>(sql, [], { timeout: o.timeout, rowMode: 'object' });
      try {
        const maps = new Map<string, BucketRanges>();
        for (const tier of tiers) {
          const ranges = await this.#readTier(read, tier);
          if (ranges === 'unsupported') return;
          if (ranges !== undefined) maps.set(tier, ranges);
        }
        const leaders = await this.#readLeaders(read);
        if (o.isClosing()) return;
        if (this.#routes === undefined) {
          o.debug(`bucket map read from ${member.name}: ${[...maps].map(([t, r]) => `tier ${t} ${r.bucketCount} buckets`).join(', ') || 'no tier'}, ${leaders === undefined ? 'without' : 'with'} the replicasets' leaders`);
        }
        this.#routes = new ShardRoutes(maps, instances, leaders);
        return;
      } catch (error) {
        // Only a failure of the instance itself moves on to the next one; a server's answer is final.
        if (!classifyFailure(error).instanceFault) throw error;
        o.instanceFailed(member, error as Error);
        lastError = error;
      }
    }
    if (lastError !== undefined) throw lastError;
  }

  /** One tier's ranges; undefined when this tier has none; 'unsupported' when the cluster has no `_pico_bucket`. */
  async #readTier(read: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>, tier: string): Promise<BucketRanges | undefined | 'unsupported'> {
    try {
      const { rows } = await read(bucketRangesSql(tier));
      return parseBucketRanges(rows[0]?.b);
    } catch (error) {
      if (isUnknownFunctionError(error)) {
        this.#unsupported = true;
        this.#routes = undefined;
        this.#o.warnOnce(NO_BUCKET_MAP, NO_BUCKET_MAP,
          '_pico_bucket() is not available (Picodata before 25.5.1): routeKey statements are routed as without a key');
        return 'unsupported';
      }
      // A lost connection or a timeout: keep the map we have (the caller tries another instance or gives up).
      if (!(error instanceof ServerError)) throw error;
      // A tier the instance's router does not know: no map for this tier.
      this.#o.debug(`no bucket map for tier ${tier}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Each replicaset's leader; undefined when `_pico_replicaset` cannot be read (by default only admin may). */
  async #readLeaders(read: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>): Promise<ReadonlyMap<string, ReplicasetLeader> | undefined> {
    try {
      return parseReplicasets((await read(REPLICASETS_SQL)).rows);
    } catch (error) {
      if (!(error instanceof ServerError)) throw error;
      if (!this.#noLeadersNoted) {
        this.#noLeadersNoted = true;
        this.#o.debug(`replicaset leaders unknown (${error.message}): keyed statements go to any member of the owning replicaset`);
      }
      return undefined;
    }
  }
}
