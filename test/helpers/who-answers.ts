import type { Pool } from '../../src/index.js';
import type { Cluster } from '../../src/testkit/index.js';

/** Which instance of `cluster` answered each of `n` statements run one after another on `db`, by name. */
export async function whoAnswers(cluster: Cluster, db: Pool, n: number): Promise<string[]> {
  const names = new Map(cluster.instances.map((i) => [i.uuid, i.name]));
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(names.get((await db.fetchval<string>('SELECT pico_instance_uuid()'))!) ?? '?');
  return out;
}
