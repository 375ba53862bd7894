import { Client } from '../cluster/client.js';
import { cell, formatTable, toJson } from './format-table.js';

/** Runs one statement through the balanced client (discovery on) and prints its rows. */
export async function query(dsn: string, sql: string, params: string[], opts: { json: boolean; out: (text: string) => void }): Promise<void> {
  const client = new Client({ dsn, poolSize: 1, int8: 'bigint' });
  try {
    const result = await client.query<Record<string, unknown>>(sql, params);
    if (opts.json) {
      opts.out(toJson({ command: result.command, rowCount: result.rowCount, rows: result.rows }));
      return;
    }
    if (result.fields.length > 0) {
      const names = result.fields.map((f) => f.name);
      opts.out(formatTable(names, result.rows.map((r) => names.map((n) => cell(r[n])))));
      opts.out(`(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`);
    } else {
      opts.out(`${result.command} ${result.rowCount}`);
    }
  } finally {
    await client.close();
  }
}
