/**
 * The demo's keyed workload: single-row writes and reads by primary key on their own table, run as one
 * bounded round at a time, once as an application does today (no key given, so picots balances them
 * like any statement) and once with `routeKey`. Where each statement landed comes from two witnesses:
 * the stand-in's gateway, which records for every keyed statement whether the instance that ran it
 * belongs to the replicaset owning the key's bucket, and picots' own `stats().keyed`.
 */
import type { Client } from '../../src/index.js';
import type { Cluster } from '../../src/testkit/index.js';

/** What one round did. */
export interface RoundResult {
  /** Keyed statements the gateway saw in the round (a write and a read per key). */
  readonly statements: number;
  /** Of those, run by an instance of the replicaset that owns the key: no extra hop in Picodata. */
  readonly onOwner: number;
  /** picots' own count for the round (`stats().keyed`): sent to the owner at once, or not. */
  readonly picots: { readonly owner: number; readonly fallback: number };
  /** Statements that failed (none expected). */
  readonly failed: number;
  readonly lastError: string | undefined;
}

/** Options of {@link KeyedRounds}. */
export interface KeyedRoundsOptions {
  /** Keys per round; each gets one write and one read. */
  readonly keys: number;
  /** Statements in flight at most (the steady load keeps running meanwhile). */
  readonly concurrency: number;
}

const TABLE = 'demo_accounts';
/** Longest wait for picots' first read of the bucket map. */
const MAP_WAIT_MS = 5_000;
const POLL_MS = 50;

export class KeyedRounds {
  readonly #client: Client;
  readonly #cluster: Cluster;
  readonly #o: KeyedRoundsOptions;

  constructor(client: Client, cluster: Cluster, options: KeyedRoundsOptions) {
    this.#client = client;
    this.#cluster = cluster;
    this.#o = options;
  }

  /** Creates the table (before the story, so no DDL runs in the middle of it). */
  async prepare(): Promise<void> {
    await this.#client.execute(`CREATE TABLE IF NOT EXISTS ${TABLE} (id int8 PRIMARY KEY, balance int8 NOT NULL)`);
    await this.#client.execute(`DELETE FROM ${TABLE}`);
  }

  /**
   * picots reads the bucket map in the background from the first keyed use on, and routes keyed
   * statements as without a key until it has one: start that read and wait for it (bounded), so that the
   * routed round shows routing rather than the first read's timing.
   */
  async loadBucketMap(): Promise<boolean> {
    const deadline = performance.now() + MAP_WAIT_MS;
    while (this.#client.ownerOf(1) === undefined) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return true;
  }

  /** One round over the same keys: a write, then a read, per key; `routed` gives each its `routeKey`. */
  async run(routed: boolean): Promise<RoundResult> {
    await this.#client.execute(`DELETE FROM ${TABLE}`);
    const seen = this.#cluster.keyedStatements().length;
    const before = this.#client.stats().keyed;
    let failed = 0;
    let lastError: string | undefined;
    let next = 1;
    const worker = async (): Promise<void> => {
      for (let id = next++; id <= this.#o.keys; id = next++) {
        const options = routed ? { routeKey: [id] } : undefined;
        try {
          await this.#client.execute(`INSERT INTO ${TABLE} (id, balance) VALUES ($1, $2)`, [id, 100 * id], options);
          await this.#client.fetchval(`SELECT balance FROM ${TABLE} WHERE id = $1`, [id], options);
        } catch (error) {
          failed++;
          lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: this.#o.concurrency }, worker));
    const records = this.#cluster.keyedStatements().slice(seen).filter((r) => r.table === TABLE);
    const after = this.#client.stats().keyed;
    return {
      statements: records.length,
      onOwner: records.filter((r) => r.servedByOwner).length,
      picots: { owner: after.owner - before.owner, fallback: after.fallback - before.fallback },
      failed,
      lastError,
    };
  }
}
