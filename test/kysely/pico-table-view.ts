import type { Cluster } from '../../src/testkit/index.js';

/**
 * Picodata lists tables in `_pico_table` (`name`, and `format`: a json list of `{ name, field_type,
 * is_nullable }`, with the `bucket_id` column it adds to sharded tables), which the stand-in models; like
 * Picodata, only admin may read it until granted. The Kysely introspector (and so Kysely's Migrator) reads
 * it, so the tests' user gets READ on it, as the README tells users to grant.
 */
export async function addPicoTableView(cluster: Cluster): Promise<void> {
  await cluster.grant('scram', '_pico_table');
}
