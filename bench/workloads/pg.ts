/**
 * Workload child for node-postgres: `pg.Client` for (a) and (c), `pg.Pool` for (b). Defaults otherwise
 * (unnamed statements); scalars are read with `rowMode: 'array'`, as picots' `fetchval` does.
 */
import pg from 'pg';
import { runWorkload } from './measure.js';
import type { Driver, Row, ServerTarget } from './types.js';

const SELECT_INT = 'SELECT $1::int';

function settings(s: ServerTarget): pg.ClientConfig {
  return { host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, ssl: false };
}

const selectInt = (x: number): pg.QueryArrayConfig => ({ text: SELECT_INT, values: [x], rowMode: 'array' });

const driver: Driver = {
  async connect(s) {
    const client = new pg.Client(settings(s));
    await client.connect();
    return {
      selectInt: (x) => client.query(selectInt(x)).then((r) => r.rows[0]![0]),
      fetchRows: (sql) => client.query<Row>(sql).then((r) => r.rows),
      close: () => client.end(),
    };
  },
  async pool(s, size) {
    const pool = new pg.Pool({ ...settings(s), max: size });
    return {
      selectInt: (x) => pool.query(selectInt(x)).then((r) => r.rows[0]![0]),
      close: () => pool.end(),
    };
  },
};

runWorkload(driver);
