import type { Cluster } from '../../src/testkit/index.js';

/**
 * Picodata lists tables in `_pico_table` (`name`, and `format`: a json list of `{ name, field_type,
 * is_nullable }`, with the `bucket_id` column it adds to sharded tables). The stand-in has no such table;
 * this view gives its PostgreSQL one of that shape over the catalog, for code that reads it (the Kysely
 * introspector, and so Kysely's Migrator). Created only when the stand-in lacks it.
 */
export async function addPicoTableView(cluster: Cluster): Promise<void> {
  await cluster.standIn.sql(`DO $$ BEGIN
  IF to_regclass('public._pico_table') IS NULL THEN
    CREATE VIEW _pico_table AS
    SELECT c.oid::int8 AS id, c.relname::text AS name,
      (json_agg(json_build_object('name', a.attname, 'field_type', format_type(a.atttypid, a.atttypmod), 'is_nullable', NOT a.attnotnull) ORDER BY a.attnum)::jsonb
        || '[{"name": "bucket_id", "field_type": "unsigned", "is_nullable": true}]'::jsonb)::json AS format
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind = 'r' AND n.nspname = 'public'
    GROUP BY c.oid, c.relname;
    GRANT SELECT ON _pico_table TO picots_clients;
  END IF;
END $$;`);
}
