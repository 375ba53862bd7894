/**
 * What the orchestrator (bench/run.ts) and the workload child processes agree on: the configuration a
 * child gets in its environment, the result it prints, and the small surface every driver adapter offers.
 */

/** The tests: (a) sequential latency, (b) pool throughput, (c) fetching many rows. */
export type TestId = 'a' | 'b' | 'c';

/** Where the one stand-in server listens and who logs in (the SCRAM user, TLS off). */
export interface ServerTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The same, as a connection string with `sslmode=disable`. */
  dsn: string;
}

/** Everything a workload child needs; passed as JSON in {@link CONFIG_ENV}. */
export interface WorkloadConfig {
  test: TestId;
  server: ServerTarget;
  sequential: { warmup: number; queries: number };
  concurrent: { poolSize: number; callers: number; warmupMs: number; measureMs: number };
  rows: { warmup: number; fetches: number; count: number };
}

export const CONFIG_ENV = 'PICOTS_BENCH_CONFIG';
/** The child's last stdout line starts with this, followed by the JSON of a {@link Measurement}. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/**
 * One child's figures. `value` is µs/query (a), queries/s (b) or ms/fetch (c); `cpu` is client CPU in
 * µs/query (a, b) or ms/fetch (c), user+sys of the whole process; `null` when unknown.
 */
export interface Measurement {
  value: number;
  cpu: number | null;
  detail: Record<string, unknown>;
}

/** One row of test (c) as a driver returns it. */
export type Row = Record<string, unknown>;

/** A single connection of some driver. */
export interface SingleConnection {
  /** Runs `SELECT $1::int` with `x` and returns the value the driver decoded. */
  selectInt(x: number): Promise<unknown>;
  /** Runs a query without parameters and returns its rows as objects. */
  fetchRows(sql: string): Promise<readonly Row[]>;
  close(): Promise<void>;
}

/** A pool of some driver, queried without taking a connection by hand. */
export interface PoolHandle {
  selectInt(x: number): Promise<unknown>;
  close(): Promise<void>;
}

/** A driver adapter: one file per driver under bench/workloads/. */
export interface Driver {
  connect(server: ServerTarget): Promise<SingleConnection>;
  pool(server: ServerTarget, size: number): Promise<PoolHandle>;
}
