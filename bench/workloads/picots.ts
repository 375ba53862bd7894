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
    const { CLUSTER_OPTION_KEYS } = await import('../../src/config/cluster-options.js');
    // The stand-in's PostgreSQL sends BackendKeyData, so 'auto' would leave Sync coalescing off; this
    // workload's statement cannot fail, so PostgreSQL's rollback of a failed window cannot show, and the
    // figure is what a Picodata server (which coalescing is on for) gets from picots.
    const coalescing = (CLUSTER_OPTION_KEYS as readonly string[]).includes('syncCoalescing') ? { syncCoalescing: true } : {};
    const pool = new Pool({ dsn: s.dsn, maxSize: size, ...coalescing });
    await pool.connect();
    return {
      selectInt: (x) => pool.fetchval(SELECT_INT, [x]),
      close: () => pool.close(),
    };
  },
};

runWorkload(picots);
