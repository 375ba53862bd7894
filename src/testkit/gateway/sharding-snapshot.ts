/**
 * What the gateway knows of the cluster's sharding at one moment: the sharded tables with their key
 * columns and column types, each tier's bucket count and bucket ranges, each replicaset's master and each
 * instance's replicaset. Loaded in one query (the stand-in's `SHARDING_SNAPSHOT_SQL`) and indexed here.
 */

/** The snapshot as the stand-in's query returns it (JSON). */
export interface ShardingSnapshot {
  readonly tables: ReadonlyArray<{
    readonly name: string;
    /** `_pico_table.distribution`: `{"ShardedImplicitly": [[key...], "murmur3", tier]}`, `{"Global": null}`, ... */
    readonly distribution: unknown;
    /** Every column in table order, with PostgreSQL's type name (`format_type`). */
    readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }> | null;
  }>;
  readonly tiers: ReadonlyArray<{ readonly name: string; readonly bucketCount: number }>;
  readonly buckets: ReadonlyArray<{ readonly tier: string; readonly start: number; readonly end: number; readonly replicaset: string }>;
  readonly replicasets: ReadonlyArray<{ readonly name: string; readonly tier: string; readonly master: string }>;
  readonly instances: ReadonlyArray<{ readonly name: string; readonly replicaset: string }>;
}

/** Where the gateway gets a {@link ShardingSnapshot}: the database it describes and how to load it. */
export interface ShardingSource {
  /** Sessions to this database (the startup's `database`) are the ones whose keyed statements are recorded. */
  readonly database: string;
  load(): Promise<ShardingSnapshot>;
}

/** A sharded table: its key columns in sharding-key order, their types, its tier, its columns in order. */
export interface ShardedTable {
  readonly name: string;
  readonly key: readonly string[];
  readonly tier: string;
  readonly types: ReadonlyMap<string, string>;
  readonly columns: readonly string[];
}

/** A {@link ShardingSnapshot} indexed for the lookups of one keyed statement. */
export class ShardingView {
  readonly #tables = new Map<string, ShardedTable | null>();
  readonly #bucketCounts = new Map<string, number>();
  readonly #ranges = new Map<string, Array<{ start: number; end: number; replicaset: string }>>();
  readonly #masters = new Map<string, string>();
  readonly #instanceReplicasets = new Map<string, string>();

  constructor(snapshot: ShardingSnapshot) {
    for (const t of snapshot.tables) this.#tables.set(t.name, shardedTable(t));
    for (const t of snapshot.tiers) this.#bucketCounts.set(t.name, Number(t.bucketCount));
    for (const b of snapshot.buckets) {
      const list = this.#ranges.get(b.tier) ?? [];
      list.push({ start: Number(b.start), end: Number(b.end), replicaset: b.replicaset });
      this.#ranges.set(b.tier, list);
    }
    for (const r of snapshot.replicasets) this.#masters.set(r.name, r.master);
    for (const i of snapshot.instances) this.#instanceReplicasets.set(i.name, i.replicaset);
  }

  /** True when `_pico_table` lists the table (sharded or not). */
  knows(table: string): boolean {
    return this.#tables.has(table);
  }

  /** The table when it is sharded by a key (not global). */
  sharded(table: string): ShardedTable | undefined {
    return this.#tables.get(table) ?? undefined;
  }

  bucketCount(tier: string): number | undefined {
    return this.#bucketCounts.get(tier);
  }

  /** The replicaset holding `bucket` of `tier`. */
  owner(tier: string, bucket: number): string | undefined {
    return this.#ranges.get(tier)?.find((r) => r.start <= bucket && bucket <= r.end)?.replicaset;
  }

  /** `current_master_name` of a replicaset. */
  master(replicaset: string): string | undefined {
    return this.#masters.get(replicaset);
  }

  replicasetOf(instance: string): string | undefined {
    return this.#instanceReplicasets.get(instance);
  }
}

function shardedTable(t: ShardingSnapshot['tables'][number]): ShardedTable | null {
  const sharded = (t.distribution as { ShardedImplicitly?: unknown } | null)?.ShardedImplicitly;
  if (!Array.isArray(sharded)) return null;
  const [key, , tier] = sharded as [unknown, unknown, unknown];
  if (!Array.isArray(key) || typeof tier !== 'string') return null;
  const columns = t.columns ?? [];
  return {
    name: t.name,
    key: key.map(String),
    tier,
    types: new Map(columns.map((c) => [c.name, c.type])),
    columns: columns.map((c) => c.name),
  };
}
