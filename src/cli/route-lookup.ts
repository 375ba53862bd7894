/**
 * What `picots route` finds out about one sharding key: its bucket, the replicaset owning the bucket, that
 * replicaset's leader, and the instance a keyed write would go to now. The facts are read on one
 * connection to the seed (discovery, `_pico_bucket`, `_pico_replicaset`); the last answer comes from a
 * real {@link Pool}'s `ownerOf()`, so it is what an application's pool would do, health included.
 */
import { Pool } from '../cluster/pool.js';
import { PicotsError, ServerError } from '../errors.js';
import { bucketId, DEFAULT_BUCKET_COUNT } from '../routing/bucket-id.js';
import type { KeyPart } from '../routing/key-part.js';
import { bucketRangesSql, parseBucketRanges, parseReplicasets, REPLICASETS_SQL, type BucketRanges, type ReplicasetLeader } from '../topology/bucket-map.js';
import { discoverInstances, type DiscoveryResult } from '../topology/discover.js';
import { isUnknownFunctionError } from '../topology/discovery-sql.js';
import type { KeyArgument } from './key-arguments.js';
import { withSeedConnection } from './seed-connection.js';

/** Where `picots route` took the bucket count from. */
export type BucketCountSource = 'cluster' | 'option' | 'default';

/** An instance as `picots route --json` shows it. */
export interface RouteInstance {
  name: string | null;
  uuid: string | null;
  address: string | null;
}

/** The answer of `picots route`; `--json` prints it as it is. */
export interface RouteView {
  key: Array<{ type: string; value: string }>;
  tier: string;
  bucketCount: number;
  bucketCountSource: BucketCountSource;
  bucket: number;
  /** False when the cluster has no `_pico_bucket` (Picodata before 25.5.1): nothing below is known then. */
  bucketMap: boolean;
  replicaset: { name: string | null; uuid: string } | null;
  /** The leader's instance name; null when unknown (no READ on `_pico_replicaset`, or it is changing). */
  leader: string | null;
  /** Where a keyed write would go now (`pool.ownerOf`); null when it would go where it would without a key. */
  owner: RouteInstance | null;
  notes: string[];
}

/** What to look up. */
export interface RouteQuery {
  readonly key: readonly KeyArgument[];
  readonly tier?: string;
  readonly bucketCount?: number;
}

/** The cluster has no tier of that name. */
export class UnknownTierError extends PicotsError {
  constructor(tier: string, tiers: readonly string[]) {
    super('ERR_PICOTS_UNKNOWN_TIER', `the cluster has no tier '${tier}'; its tiers: ${tiers.join(', ')}`);
  }
}

interface ClusterFacts {
  discovery: DiscoveryResult;
  tier: string;
  /** undefined: no `_pico_bucket`. */
  ranges: BucketRanges | undefined;
  leaders: ReadonlyMap<string, ReplicasetLeader> | undefined;
  leadersError: string | undefined;
}

/**
 * Looks the key up in the cluster behind `dsn`. Without `_pico_bucket` the bucket is still computed, with
 * `bucketCount` or Picodata's default 3000, and the view says the cluster cannot route by key. `signal`
 * (Ctrl-C) aborts the reads and closes every connection.
 */
export async function lookUpRoute(dsn: string, query: RouteQuery, signal: AbortSignal): Promise<RouteView> {
  const facts = await readFacts(dsn, query.tier, signal);
  const notes: string[] = [];
  const parts = query.key.map((k) => k.part);
  for (const k of query.key) if (k.note !== undefined) notes.push(k.note);
  const key = query.key.map((k) => ({ type: k.kind, value: k.text }));
  const ranges = facts.ranges;
  if (ranges === undefined || ranges.bucketCount === 0) {
    const bucketCount = query.bucketCount ?? DEFAULT_BUCKET_COUNT;
    notes.push(ranges === undefined
      ? 'this cluster has no _pico_bucket() (Picodata before 25.5.1): picots cannot see which replicaset owns a bucket, so keyed statements go where they would without a key'
      : `tier '${facts.tier}' has no buckets (an arbiter tier, or no replicaset yet): no replicaset owns any`);
    if (query.bucketCount === undefined) notes.push(`the bucket is computed here with ${DEFAULT_BUCKET_COUNT} buckets, Picodata's default; give --bucket-count if the tier has another count`);
    return {
      key, tier: facts.tier, bucketCount, bucketCountSource: query.bucketCount === undefined ? 'default' : 'option',
      bucket: bucketId(parts, bucketCount), bucketMap: false, replicaset: null, leader: null, owner: null, notes,
    };
  }
  const bucketCount = ranges.bucketCount;
  if (query.bucketCount !== undefined && query.bucketCount !== bucketCount) {
    notes.push(`--bucket-count ${query.bucketCount} is not the cluster's: tier '${facts.tier}' has ${bucketCount} buckets, and that count is used`);
  }
  const bucket = bucketId(parts, bucketCount);
  const uuid = ranges.replicasetOf(bucket);
  const known = uuid === undefined ? undefined : facts.leaders?.get(uuid);
  const name = known?.name ?? facts.discovery.instances.find((i) => i.replicasetUuid === uuid)?.replicasetName ?? null;
  if (uuid === undefined) notes.push(`no range of _pico_bucket holds bucket ${bucket}`);
  if (facts.leaders === undefined) {
    notes.push(`the leader is unknown (${facts.leadersError ?? '_pico_replicaset cannot be read'}); a keyed write goes to any member of the replicaset, which forwards it to the leader`);
  } else if (uuid !== undefined && known !== undefined && known.leaderName === undefined) {
    notes.push('the replicaset is changing its leader: a keyed write goes to any of its members for now');
  }
  const owner = await ownerNow(dsn, parts, facts.tier, signal);
  if (owner === null && uuid !== undefined) notes.push('no healthy instance of the owning replicaset is known now: a keyed write goes where it would without a key');
  return {
    key, tier: facts.tier, bucketCount, bucketCountSource: 'cluster', bucket, bucketMap: true,
    replicaset: uuid === undefined ? null : { name, uuid }, leader: known?.leaderName ?? null, owner, notes,
  };
}

async function readFacts(dsn: string, tierOption: string | undefined, signal: AbortSignal): Promise<ClusterFacts> {
  return withSeedConnection(dsn, signal, async (conn) => {
    const read = (sql: string) => conn.query<Record<string, unknown>>(sql, [], { rowMode: 'object', signal });
    const discovery = await discoverInstances(conn, { signal });
    const tiers = [...new Set(discovery.instances.map((i) => i.tier).filter((t) => t !== ''))];
    const seedTier = discovery.instances.find((i) => i.uuid === discovery.selfUuid)?.tier;
    const tier = tierOption ?? (seedTier === undefined || seedTier === '' ? 'default' : seedTier);
    if (tierOption !== undefined && tiers.length > 0 && !tiers.includes(tierOption)) throw new UnknownTierError(tierOption, tiers);
    let ranges: BucketRanges | undefined;
    try {
      ranges = parseBucketRanges((await read(bucketRangesSql(tier))).rows[0]?.b);
    } catch (error) {
      if (!isUnknownFunctionError(error)) throw error;
    }
    let leaders: ReadonlyMap<string, ReplicasetLeader> | undefined;
    let leadersError: string | undefined;
    if (ranges !== undefined) {
      try {
        leaders = parseReplicasets((await read(REPLICASETS_SQL)).rows);
      } catch (error) {
        if (!(error instanceof ServerError)) throw error;
        // The server's words without the SQLSTATE and instance suffix: the note is one line.
        leadersError = `_pico_replicaset cannot be read: ${error.message.replace(/ \(SQLSTATE .*\)$/, '')}`;
      }
    }
    return { discovery, tier, ranges, leaders, leadersError };
  });
}

/**
 * `ownerOf()` of a fresh pool, once its bucket map is read: the first call starts the read, and a topology
 * refresh waits for it (the map is read again with every refresh).
 */
async function ownerNow(dsn: string, parts: readonly KeyPart[], tier: string, signal: AbortSignal): Promise<RouteInstance | null> {
  const pool = new Pool({ dsn, enableDiscovery: true, maxSize: 2 });
  const stop = (): void => void setImmediate(() => void pool.terminate());
  signal.addEventListener('abort', stop, { once: true });
  try {
    await pool.connect();
    if (pool.ownerOf(parts, { tier }) === undefined) await pool.refresh();
    const ref = pool.ownerOf(parts, { tier });
    return ref === undefined ? null : { name: ref.name ?? null, uuid: ref.uuid ?? null, address: ref.address };
  } finally {
    signal.removeEventListener('abort', stop);
    await pool.close();
  }
}
