import { Client } from '../cluster/client.js';
import type { InstanceRef } from '../cluster/instance-ref.js';
import type { QueryResult } from '../protocol/query-types.js';
import type { CliCommand } from './cli-command.js';
import type { CliIo } from './cli-io.js';
import { formatCommandTag, hasRowCount } from './command-tag.js';
import { DSN_ENV, looksLikeUri, showArgument, takeDsn } from './dsn-argument.js';
import { cell, formatTable, toJson } from './format-table.js';
import { UsageError } from './usage-error.js';

/** A statement's result and the instance that ran it. */
export interface QueryAnswer {
  /** Rows as arrays, one value per column, so columns with the same name are all kept. */
  readonly result: QueryResult<unknown[]>;
  readonly instance: InstanceRef;
}

/** `picots query`: one statement on one connection from the balanced client. */
export const queryCommand: CliCommand = {
  name: 'query',
  synopsis: 'query [<dsn>] "<sql>" [params...] [--json]',
  summary: 'one statement through the balanced client; stderr says which instance answered',
  options: {},
  async run(input, io) {
    const { dsn, rest } = takeDsn(input.positionals, io.env, `; query takes <dsn> "<sql>" [params...], or the SQL alone with ${DSN_ENV} set`);
    const [sql, ...params] = rest;
    if (sql === undefined) throw new UsageError('the SQL statement is missing after the DSN');
    // A second URI is a mistake (two DSNs, or a DSN in the wrong place), never a statement to send.
    if (looksLikeUri(sql)) throw new UsageError(`'${showArgument(sql)}' looks like a URI, not SQL: give the DSN once, then the statement`);
    printAnswer(await runQuery(dsn, sql, params, io.signal), input.json, io);
    return 0;
  },
};

/**
 * Runs `sql` on one connection acquired from a {@link Client} (discovery and balancing as usual), so the
 * answer can name the instance; the statement is not retried elsewhere. Parameters go as text and the
 * server infers their types. `signal` (Ctrl-C) aborts the statement and closes every connection at once.
 */
export async function runQuery(dsn: string, sql: string, params: readonly string[], signal: AbortSignal): Promise<QueryAnswer> {
  const client = new Client({ dsn, poolSize: 1, int8: 'bigint' });
  // Deferred so that the statement's own abort handler runs first and its error says whether it was sent;
  // terminate() then also ends what no signal reaches (a discovery still connecting, say).
  const stop = (): void => void setImmediate(() => void client.terminate());
  signal.addEventListener('abort', stop, { once: true });
  try {
    const conn = await client.acquire({ signal });
    try {
      const result = await conn.query<unknown[]>(sql, params, { rowMode: 'array', signal });
      return { result, instance: conn.instance };
    } finally {
      if (conn.isHeld) conn.release();
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await client.close();
  }
}

/**
 * Rows as a table with a `(n rows)` line, or the command tag for a statement without columns; stderr
 * names the instance. With `json`, one document: `command`, `rowCount` (null when the tag has no count),
 * `columns` (names, in order, duplicates kept), `rows` (arrays in column order, int8 as strings) and
 * `instance` (`name`, `uuid`, `address`).
 */
export function printAnswer(answer: QueryAnswer, json: boolean, io: CliIo): void {
  const { result, instance } = answer;
  const columns = result.fields.map((f) => f.name);
  if (json) {
    const rowCount = hasRowCount(result.command) ? result.rowCount : null;
    const who = { name: instance.name ?? null, uuid: instance.uuid ?? null, address: instance.address };
    io.out(toJson({ command: result.command, rowCount, columns, rows: result.rows, instance: who }));
    return;
  }
  if (columns.length > 0) {
    io.out(formatTable(columns, result.rows.map((r) => r.map(cell))));
    io.out(`(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`);
  } else {
    io.out(formatCommandTag(result.command, result.rowCount));
  }
  io.err(`answered by ${instance.name === undefined ? instance.address : `${instance.name} at ${instance.address}`}`);
}
