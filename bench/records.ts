/** The raw result of every run, and what the tables and goals are computed from. Pure. */
import type { DriverId } from './options.js';
import type { TableRow } from './report.js';
import { summarize, type Summary } from './stats.js';
import type { Measurement, TestId } from './workloads/types.js';

export interface RunRecord {
  round: number;
  test: TestId;
  driver: DriverId;
  measurement?: Measurement;
  error?: string;
  /** The 1-minute load average when the run started: other work on the machine shows here. */
  load: number;
}

function measured(records: readonly RunRecord[], test: TestId, driver: DriverId): Array<RunRecord & { measurement: Measurement }> {
  return records.filter((r): r is RunRecord & { measurement: Measurement } => r.test === test && r.driver === driver && r.measurement !== undefined);
}

/** Median (min–max) over rounds of a driver's figure, or of its CPU figure. */
export function summaryOf(records: readonly RunRecord[], test: TestId, driver: DriverId, what: 'value' | 'cpu'): Summary | undefined {
  return summarize(measured(records, test, driver).map((r) => r.measurement[what]).filter((x): x is number => x !== null));
}

/** A driver's figure by round. */
export function byRound(records: readonly RunRecord[], test: TestId, driver: DriverId): Map<number, number> {
  return new Map(measured(records, test, driver).map((r) => [r.round, r.measurement.value]));
}

/** The rows of one test's table, in `drivers` order. */
export function tableRows(records: readonly RunRecord[], test: TestId, drivers: readonly DriverId[], rowCount: number): TableRow[] {
  return drivers.map((driver) => {
    const row: TableRow = {
      driver,
      value: summaryOf(records, test, driver, 'value'),
      cpu: summaryOf(records, test, driver, 'cpu'),
      failures: records.filter((r) => r.test === test && r.driver === driver && r.error !== undefined).length,
    };
    if (test === 'c') {
      const types = new Set(measured(records, test, driver).map((r) => (r.measurement.detail.types as string[]).join(', ')));
      row.note = `${rowCount.toLocaleString('en-US')} rows checked every fetch; JS types (id, label, score, even, at) = ${[...types].join(' | ') || '—'}`;
    }
    if (driver === 'pgbench') row.note = "client CPU: pgbench's own utime+stime from /proc, per statement, connection set-up included";
    if (driver === 'pgbench-pipelined') {
      row.note = 'the ceiling: \\startpipeline, 16 × SELECT :x::int, \\endpipeline (one Sync per 16 statements); figures per statement';
    }
    return row;
  });
}
