/**
 * Workload child for postgres.js: `max: 1` for (a) and (c), `max: poolSize` for (b); `fetch_types: false`
 * (no pg_type query on connect), prepared statements as by default.
 */
import postgres from 'postgres';
import { runWorkload } from './measure.js';
import type { Driver, Row, ServerTarget } from './types.js';

function open(s: ServerTarget, max: number): postgres.Sql {
  return postgres({ host: s.host, port: s.port, user: s.user, pass: s.password, database: s.database, ssl: false, max, fetch_types: false });
}

const driver: Driver = {
  async connect(s) {
    const sql = open(s, 1);
    return {
      selectInt: (x) => sql`SELECT ${x}::int`.values().then((r) => r[0]![0]),
      // What a tagged template without interpolations does: a prepared (named) statement.
      fetchRows: (text) => sql.unsafe<Row[]>(text, [], { prepare: true }).then((r) => r),
      close: () => sql.end({ timeout: 5 }),
    };
  },
  async pool(s, size) {
    const sql = open(s, size);
    return {
      selectInt: (x) => sql`SELECT ${x}::int`.values().then((r) => r[0]![0]),
      close: () => sql.end({ timeout: 5 }),
    };
  },
};

runWorkload(driver);
