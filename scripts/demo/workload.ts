/**
 * The demo's application: a steady, bounded stream of reads and writes through one picots client, paced to
 * a fixed rate (not as fast as it can go: the demo shares the machine) with a cap on statements in flight.
 * Reads go to any instance; each write prefers its writer's zone.
 * It counts what an application would see: successes, failed reads, writes with an unknown outcome.
 */
import { OutcomeUnknownError, type Client } from '../../src/index.js';

/** Options of {@link Workload}. */
export interface WorkloadOptions {
  /** Statements started per second. */
  readonly rate: number;
  /** One statement in `writeEvery` is a write; the rest are reads. */
  readonly writeEvery: number;
  /** Statements in flight at most; a slot that finds the cap reached is skipped, not queued. */
  readonly maxInFlight: number;
  /**
   * Writes come from writers spread over these zones, and each prefers an instance in its own zone (as an
   * application deployed next to its database does); reads go to any instance.
   */
  readonly writerZones: readonly string[];
}

/** What the application saw so far. */
export interface WorkloadCounts {
  readonly statements: number;
  readonly readErrors: number;
  readonly writesUnknown: number;
  readonly writeErrors: number;
  /** The last failure of a read or an ordinary write, to tell the reader what went wrong. */
  readonly lastError: string | undefined;
}

const TICK_MS = 10;

export class Workload {
  readonly #client: Client;
  readonly #o: WorkloadOptions;
  readonly #running = new Set<Promise<void>>();
  /** Ids of the writes whose outcome is unknown, to check afterwards which ones the server ran. */
  readonly unknownIds: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #issued = 0;
  #nextId = 1;
  #written = 0;
  #counts = { statements: 0, readErrors: 0, writesUnknown: 0, writeErrors: 0, lastError: undefined as string | undefined };

  constructor(client: Client, options: WorkloadOptions) {
    this.#client = client;
    this.#o = options;
  }

  /** Creates the demo's table (empty). */
  async prepare(): Promise<void> {
    await this.#client.execute('CREATE TABLE IF NOT EXISTS demo_items (id int8 PRIMARY KEY, note text)');
    await this.#client.execute('TRUNCATE demo_items');
  }

  /** Starts issuing statements at the configured rate. */
  start(): void {
    this.#startedAt = performance.now();
    this.#issued = 0;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  /** Stops issuing and waits for the statements in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  counts(): WorkloadCounts {
    return { ...this.#counts };
  }

  /** How many of the writes with an unknown outcome the server did run (each wrote a row with its own id). */
  async unknownWritesApplied(): Promise<number> {
    let applied = 0;
    for (const id of this.unknownIds) {
      const found = await this.#client.fetchval<number>('SELECT count(*) FROM demo_items WHERE id = $1', [id], { int8: 'number' });
      applied += found ?? 0;
    }
    return applied;
  }

  #tick(): void {
    const due = Math.floor(((performance.now() - this.#startedAt) * this.#o.rate) / 1000);
    // After a pause (a busy machine), start again from now instead of firing the whole backlog at once.
    if (due - this.#issued > this.#o.rate) this.#issued = due - 1;
    while (this.#issued < due) {
      this.#issued++;
      if (this.#running.size >= this.#o.maxInFlight) continue;
      const run = this.#one().finally(() => this.#running.delete(run));
      this.#running.add(run);
    }
  }

  async #one(): Promise<void> {
    const write = this.#issued % this.#o.writeEvery === 0;
    const id = write ? this.#nextId++ : 1 + Math.floor(Math.random() * Math.max(1, this.#written));
    try {
      if (write) {
        const zone = this.#o.writerZones[id % this.#o.writerZones.length];
        const prefer = zone === undefined ? undefined : { failureDomain: { zone } };
        await this.#client.execute('INSERT INTO demo_items (id, note) VALUES ($1, $2)', [id, `written from ${zone ?? 'anywhere'}`], { prefer });
        this.#written = Math.max(this.#written, id);
      } else {
        // A read: picots may run it again on another instance when its instance fails.
        await this.#client.fetchrow('SELECT id, note FROM demo_items WHERE id = $1', [id]);
      }
      this.#counts.statements++;
    } catch (error) {
      if (write && error instanceof OutcomeUnknownError) {
        this.#counts.writesUnknown++;
        this.unknownIds.push(id);
        return;
      }
      if (write) this.#counts.writeErrors++;
      else this.#counts.readErrors++;
      this.#counts.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
}
