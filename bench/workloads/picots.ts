/** Workload child for picots: a `Connection` for (a) and (c), a `Pool` for (b). */
import { Connection } from '../../src/protocol/connection.js';
import { runWorkload } from './measure.js';
import type { Driver, Row } from './types.js';

const SELECT_INT = 'SELECT $1::int';

const picots: Driver = {
  async connect(s) {
    const conn = await Connection.connect({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, ssl: 'disable' });
    return {
      selectInt: (x) => conn.fetchval(SELECT_INT, [x]),
      fetchRows: (sql) => conn.fetch<Row>(sql),
      close: () => conn.close(),
    };
  },
  async pool(s, size) {
    // Loaded here so that (a) and (c) measure the connection alone, without the pool's modules.
    const { Pool } = await import('../../src/cluster/pool.js');
    const pool = new Pool({ dsn: s.dsn, maxSize: size });
    await pool.connect();
    return {
      selectInt: (x) => pool.fetchval(SELECT_INT, [x]),
      close: () => pool.close(),
    };
  },
};

runWorkload(picots);
