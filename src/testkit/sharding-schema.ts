import { quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * Picodata's sharding topology, re-created in PostgreSQL for the stand-in (`current` shape only: Picodata
 * 24.x had none of it). Column names and types are those Picodata reports over pgproto (unsigned as int8,
 * maps as json):
 * - `_pico_tier` and `_pico_replicaset`, plain tables kept in step with `_pico_instance` by a trigger: the
 *   first instance of a replicaset is its master, a replicaset goes with its last instance, a tier row
 *   appears with its first instance;
 * - `_pico_table`, a view over PostgreSQL's catalog: every ordinary table of the session's schema (except
 *   `_pico_*` and `_stand_in*`) sharded implicitly by its primary key on the default tier, unless
 *   `_stand_in_distribution` says otherwise, with its `format` (columns as `{ name, field_type,
 *   is_nullable }`, PostgreSQL type names, and the `bucket_id` Picodata adds to sharded tables);
 * - `_pico_bucket(tier)`, the SQL function, answering from `_stand_in_bucket` (which replicaset holds
 *   which bucket range). A tier's buckets are split evenly over its replicasets whenever a replicaset
 *   joins or leaves it (the stand-in rebalances at once), and moved by the test in between.
 *
 * Like Picodata, only the admin (here PostgreSQL's superuser) may read `_pico_tier`, `_pico_replicaset`
 * and `_pico_table` until granted; `_pico_bucket` is callable by every user.
 */

/** Picodata's default `bucket_count` of a tier. */
export const DEFAULT_BUCKET_COUNT = 3000;

/** The tables a topology grant may name. */
export type TopologyTable = '_pico_tier' | '_pico_replicaset' | '_pico_table';

/** The tables a client needs a grant for, as in Picodata (READ for admin only by default). */
export const TOPOLOGY_TABLES: readonly TopologyTable[] = ['_pico_tier', '_pico_replicaset', '_pico_table'];

/** A tier as the stand-in creates it. */
export interface TierSettings {
  readonly name: string;
  readonly bucketCount: number;
  readonly replicationFactor: number;
  readonly canVote: boolean;
  readonly isDefault: boolean;
}

/** How a table's rows are spread: by a sharding key on a tier, or a full copy everywhere (`'global'`). */
export type TableDistribution =
  | {
    /** The sharding-key columns, in sharding-key order (it need not be the primary key's order). */
    readonly key: readonly string[];
    /** The tier holding the table; the stand-in's main tier by default. */
    readonly tier?: string;
  }
  | 'global';

// The split of a tier's buckets over its replicasets: in order of their first instance's raft id, the k-th
// of n gets buckets floor(k*B/n)+1 .. floor((k+1)*B/n).
const SYNC_FUNCTION = `CREATE FUNCTION _stand_in_sync_topology() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE changed text[];
BEGIN
  INSERT INTO _pico_tier (name, replication_factor, can_vote, current_vshard_config_version, target_vshard_config_version,
    vshard_bootstrapped, bucket_count, is_default, current_bucket_state_version, target_bucket_state_version)
  SELECT DISTINCT i.tier, 1, true, 1, 1, true, ${DEFAULT_BUCKET_COUNT}, false, 0, 0 FROM _pico_instance i
  WHERE NOT EXISTS (SELECT 1 FROM _pico_tier t WHERE t.name = i.tier);
  WITH gone AS (
    DELETE FROM _pico_replicaset r WHERE NOT EXISTS (SELECT 1 FROM _pico_instance i WHERE i.replicaset_name = r.name)
    RETURNING r.tier
  ), added AS (
    INSERT INTO _pico_replicaset (name, uuid, current_master_name, target_master_name, tier, weight, weight_origin, state,
      current_config_version, target_config_version, promotion_vclock, master_change_counter,
      current_bucket_state_version, target_bucket_state_version)
    SELECT DISTINCT ON (i.replicaset_name) i.replicaset_name, i.replicaset_uuid, i.name, i.name, i.tier, 1, 'auto', 'ready',
      1, 1, '{}', 0, 0, 0
    FROM _pico_instance i WHERE NOT EXISTS (SELECT 1 FROM _pico_replicaset r WHERE r.name = i.replicaset_name)
    ORDER BY i.replicaset_name, i.raft_id
    RETURNING tier
  )
  SELECT array_agg(DISTINCT tier) INTO changed FROM (SELECT tier FROM gone UNION ALL SELECT tier FROM added) c;
  -- A master that left hands over to the member with the lowest raft id.
  UPDATE _pico_replicaset r SET current_master_name = m.name, target_master_name = m.name
  FROM (SELECT DISTINCT ON (replicaset_name) replicaset_name, name FROM _pico_instance ORDER BY replicaset_name, raft_id) m
  WHERE m.replicaset_name = r.name AND NOT EXISTS (
    SELECT 1 FROM _pico_instance i WHERE i.name = r.current_master_name AND i.replicaset_name = r.name);
  -- A tier whose replicasets changed, or that has no buckets yet, is split evenly again.
  SELECT array_agg(t.name) INTO changed FROM _pico_tier t
  WHERE t.name = ANY(coalesce(changed, '{}')) OR NOT EXISTS (SELECT 1 FROM _stand_in_bucket b WHERE b.tier = t.name);
  DELETE FROM _stand_in_bucket WHERE tier = ANY(coalesce(changed, '{}'));
  INSERT INTO _stand_in_bucket (tier, bucket_id_start, bucket_id_end, replicaset_name)
  SELECT o.tier, (o.k * t.bucket_count) / o.n + 1, ((o.k + 1) * t.bucket_count) / o.n, o.name
  FROM (
    SELECT r.tier, r.name, count(*) OVER (PARTITION BY r.tier) AS n,
      row_number() OVER (PARTITION BY r.tier ORDER BY (SELECT min(raft_id) FROM _pico_instance i WHERE i.replicaset_name = r.name)) - 1 AS k
    FROM _pico_replicaset r WHERE r.tier = ANY(coalesce(changed, '{}'))
  ) o JOIN _pico_tier t ON t.name = o.tier
  WHERE ((o.k + 1) * t.bucket_count) / o.n >= (o.k * t.bucket_count) / o.n + 1;
  RETURN NULL;
END $fn$;
CREATE TRIGGER _stand_in_sync_topology AFTER INSERT OR DELETE ON _pico_instance
  FOR EACH STATEMENT EXECUTE FUNCTION _stand_in_sync_topology();`;

// Picodata's errors are word for word (sql-planner/src/builtins.lua); the ranges are merged as there:
// contiguous buckets of one replicaset make one entry. JSON is compact, as Picodata prints it.
const BUCKET_FUNCTION = `CREATE FUNCTION _pico_bucket(text) RETURNS json LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp AS $fn$
DECLARE result text;
BEGIN
  IF $1 IS NULL THEN RAISE EXCEPTION '_pico_bucket: tier name is null' USING ERRCODE = 'XX000'; END IF;
  IF NOT EXISTS (SELECT 1 FROM _pico_tier t WHERE t.name = $1) THEN
    RAISE EXCEPTION '_pico_bucket: tier ''%'' doesn''t exist', $1 USING ERRCODE = 'XX000';
  END IF;
  WITH ranges AS (
    SELECT b.bucket_id_start AS s, b.bucket_id_end AS e, r.uuid AS u,
      CASE WHEN lag(r.uuid) OVER w = r.uuid AND lag(b.bucket_id_end) OVER w = b.bucket_id_start - 1 THEN 0 ELSE 1 END AS fresh
    FROM _stand_in_bucket b JOIN _pico_replicaset r ON r.name = b.replicaset_name
    WHERE b.tier = $1 WINDOW w AS (ORDER BY b.bucket_id_start)
  ), grouped AS (
    SELECT s, e, u, sum(fresh) OVER (ORDER BY s) AS g FROM ranges
  ), merged AS (
    SELECT min(s) AS s, max(e) AS e, min(u) AS u FROM grouped GROUP BY g
  )
  SELECT '[' || coalesce(string_agg(format(
    '{"tier_name":%s,"bucket_id_start":%s,"bucket_id_end":%s,"state":"active","current_replicaset_uuid":%s,"target_replicaset_uuid":%s}',
    to_json($1)::text, s, e, to_json(u)::text, to_json(u)::text), ',' ORDER BY s), '') || ']'
  INTO result FROM merged;
  RETURN result::json;
END $fn$;`;

// The sharding key is the primary key's columns in key order, as Picodata takes it without DISTRIBUTED BY.
const TABLE_VIEW = `CREATE VIEW _pico_table AS
SELECT c.oid::bigint AS id, c.relname::text AS name,
  coalesce(o.distribution, ('{"ShardedImplicitly":[' || pk.columns || ',"murmur3",'
    || to_json(coalesce((SELECT t.name FROM _pico_tier t WHERE t.is_default LIMIT 1), 'default'))::text || ']}')::json) AS distribution,
  (SELECT (json_agg(json_build_object('name', a.attname, 'field_type', format_type(a.atttypid, a.atttypmod), 'is_nullable', NOT a.attnotnull)
      ORDER BY a.attnum)::jsonb
    || CASE WHEN o.distribution::jsonb ? 'Global' THEN '[]'::jsonb
       ELSE '[{"name": "bucket_id", "field_type": "unsigned", "is_nullable": true}]'::jsonb END)::json
   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS format
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN _stand_in_distribution o ON o.table_name = c.relname
LEFT JOIN LATERAL (
  SELECT '[' || string_agg(to_json(a.attname::text)::text, ',' ORDER BY k.ord) || ']' AS columns
  FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  WHERE i.indrelid = c.oid AND i.indisprimary
) pk ON true
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND left(c.relname, 6) <> '_pico_' AND left(c.relname, 9) <> '_stand_in'
  AND (o.distribution IS NOT NULL OR pk.columns IS NOT NULL);`;

/** Creates the sharding tables, view and functions (current shape); run after the discovery schema. */
export function shardingSchemaSql(tiers: readonly TierSettings[]): string {
  return `CREATE TABLE _pico_tier (
  name text PRIMARY KEY, replication_factor bigint NOT NULL, can_vote boolean NOT NULL,
  current_vshard_config_version bigint NOT NULL, target_vshard_config_version bigint NOT NULL,
  vshard_bootstrapped boolean NOT NULL, bucket_count bigint NOT NULL, is_default boolean,
  current_bucket_state_version bigint, target_bucket_state_version bigint);
CREATE TABLE _pico_replicaset (
  name text PRIMARY KEY, uuid text NOT NULL UNIQUE, current_master_name text NOT NULL, target_master_name text NOT NULL,
  tier text NOT NULL, weight double precision NOT NULL, weight_origin text NOT NULL, state text NOT NULL,
  current_config_version bigint NOT NULL, target_config_version bigint NOT NULL, promotion_vclock json NOT NULL,
  master_change_counter bigint, current_bucket_state_version bigint, target_bucket_state_version bigint);
CREATE TABLE _stand_in_bucket (
  tier text NOT NULL, bucket_id_start bigint NOT NULL, bucket_id_end bigint NOT NULL, replicaset_name text NOT NULL,
  PRIMARY KEY (tier, bucket_id_start));
CREATE TABLE _stand_in_distribution (table_name text PRIMARY KEY, distribution json NOT NULL);
${tiers.map(ensureTierSql).join('\n')}
${SYNC_FUNCTION}
${BUCKET_FUNCTION}
${TABLE_VIEW}
REVOKE ALL ON _pico_tier, _pico_replicaset, _pico_table FROM PUBLIC;`;
}

/** Adds a tier row unless the tier exists. */
export function ensureTierSql(t: TierSettings): string {
  return `INSERT INTO _pico_tier (name, replication_factor, can_vote, current_vshard_config_version, target_vshard_config_version,
  vshard_bootstrapped, bucket_count, is_default, current_bucket_state_version, target_bucket_state_version)
VALUES (${quoteLiteral(t.name)}, ${t.replicationFactor}, ${t.canVote}, 1, 1, true, ${t.bucketCount}, ${t.isDefault}, 0, 0)
ON CONFLICT (name) DO NOTHING;`;
}

/**
 * Gives buckets `start..end` of `tier` to `replicaset`, splitting the ranges it cuts. Prints an error
 * text when the tier, the replicaset (in that tier) or the range is wrong, else `ok`.
 */
export function moveBucketsSql(tier: string, start: number, end: number, replicaset: string): string {
  const t = quoteLiteral(tier);
  const r = quoteLiteral(replicaset);
  return `DO $do$
DECLARE total bigint;
BEGIN
  SELECT bucket_count INTO total FROM _pico_tier WHERE name = ${t};
  IF total IS NULL THEN RAISE EXCEPTION 'stand-in: no tier %', ${t}; END IF;
  IF NOT EXISTS (SELECT 1 FROM _pico_replicaset WHERE name = ${r} AND tier = ${t}) THEN
    RAISE EXCEPTION 'stand-in: tier % has no replicaset %', ${t}, ${r};
  END IF;
  IF ${end} > total THEN RAISE EXCEPTION 'stand-in: tier % has buckets 1..% only', ${t}, total; END IF;
  -- The tail of a range cut at the end first, while the range is still whole.
  INSERT INTO _stand_in_bucket SELECT tier, ${end + 1}, bucket_id_end, replicaset_name FROM _stand_in_bucket
    WHERE tier = ${t} AND bucket_id_start <= ${end} AND bucket_id_end > ${end};
  UPDATE _stand_in_bucket SET bucket_id_end = ${start - 1}
    WHERE tier = ${t} AND bucket_id_start < ${start} AND bucket_id_end >= ${start};
  DELETE FROM _stand_in_bucket WHERE tier = ${t} AND bucket_id_start BETWEEN ${start} AND ${end};
  INSERT INTO _stand_in_bucket VALUES (${t}, ${start}, ${end}, ${r});
END $do$;`;
}

/** Makes `instance` the master of `replicaset` (current and target). Prints the replicaset's name when done. */
export function setLeaderSql(replicaset: string, instance: string): string {
  const r = quoteLiteral(replicaset);
  const i = quoteLiteral(instance);
  return `UPDATE _pico_replicaset SET current_master_name = ${i}, target_master_name = ${i},
  master_change_counter = coalesce(master_change_counter, 0) + CASE WHEN current_master_name = ${i} THEN 0 ELSE 1 END
WHERE name = ${r} AND EXISTS (SELECT 1 FROM _pico_instance WHERE name = ${i} AND replicaset_name = ${r}) RETURNING name;`;
}

/** Picodata's `_pico_table.distribution` JSON for a distribution; `defaultTier` fills a missing tier. */
export function distributionJson(distribution: TableDistribution, defaultTier: string): string {
  if (distribution === 'global') return '{"Global":null}';
  return JSON.stringify({ ShardedImplicitly: [distribution.key, 'murmur3', distribution.tier ?? defaultTier] });
}

/** Overrides a table's distribution (`null`: back to its primary key). */
export function setDistributionSql(table: string, json: string | null): string {
  if (json === null) return `DELETE FROM _stand_in_distribution WHERE table_name = ${quoteLiteral(table)};`;
  return `INSERT INTO _stand_in_distribution VALUES (${quoteLiteral(table)}, ${quoteLiteral(json)})
ON CONFLICT (table_name) DO UPDATE SET distribution = EXCLUDED.distribution;`;
}

/** Lets (or no longer lets) a login read a topology table. */
export function topologyGrantSql(grant: boolean, user: string, tables: readonly TopologyTable[]): string {
  const list = tables.join(', ');
  return grant ? `GRANT SELECT ON ${list} TO ${quoteIdent(user)};` : `REVOKE SELECT ON ${list} FROM ${quoteIdent(user)};`;
}

/**
 * Everything the gateway needs to tell which replicaset owns a statement's key, as one JSON object:
 * the sharded tables with their key columns and column types, the tiers' bucket counts, the bucket
 * ranges, the replicasets' masters and the instances' replicasets.
 */
export const SHARDING_SNAPSHOT_SQL = `SELECT json_build_object(
  'tables', (SELECT coalesce(json_agg(json_build_object('name', t.name, 'distribution', t.distribution,
    'columns', (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, NULL)) ORDER BY a.attnum)
      FROM pg_attribute a WHERE a.attrelid = t.id::oid AND a.attnum > 0 AND NOT a.attisdropped))), '[]') FROM _pico_table t),
  'tiers', (SELECT coalesce(json_agg(json_build_object('name', name, 'bucketCount', bucket_count)), '[]') FROM _pico_tier),
  'buckets', (SELECT coalesce(json_agg(json_build_object('tier', tier, 'start', bucket_id_start, 'end', bucket_id_end,
    'replicaset', replicaset_name) ORDER BY tier, bucket_id_start), '[]') FROM _stand_in_bucket),
  'replicasets', (SELECT coalesce(json_agg(json_build_object('name', name, 'tier', tier, 'master', current_master_name)), '[]') FROM _pico_replicaset),
  'instances', (SELECT coalesce(json_agg(json_build_object('name', name, 'replicaset', replicaset_name)), '[]') FROM _pico_instance)
);`;
