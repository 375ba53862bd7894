/**
 * Where the gateway learns a table's sharding key, to compute Picodata's query metadata. Picodata keeps it in
 * `_pico_table.distribution` (`{"ShardedImplicitly": [[key columns], "murmur3", tier]}` or `{"Global": null}`);
 * by default a table is sharded by its primary key, in the primary key's column order, in tier `default`.
 * This reads the stand-in's `_pico_table` where the database has it (so `setDistribution` overrides and the
 * default tier's name count, as in the owner-served record), and the column types and, for a table
 * `_pico_table` leaves out, the primary key straight from PostgreSQL's catalog; as the superuser over the unix
 * socket (the clients' own sessions cannot be used: a query of the gateway's there would interleave with theirs).
 */
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { serialize } from 'pg-protocol';
import type { BackendMessage, DataRowMessage, NoticeMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import { quoteLiteral } from '../sql-text.js';

/** How to reach the server as its superuser: the unix socket, no password (the stand-in's admin path). */
export interface CatalogTarget {
  readonly socketDir: string;
  readonly port: number;
  readonly superuser: string;
}

/** A column as Picodata types it: the OID its values get over pgproto (int 20, text 25, ...). */
export interface CatalogColumn {
  readonly name: string;
  /** Picodata's OID for the column's type; `undefined` for a type Picodata has no counterpart of. */
  readonly oid: number | undefined;
}

/** A table's distribution as the metadata needs it. */
export type TableDistribution =
  | { readonly kind: 'sharded'; readonly columns: readonly CatalogColumn[]; readonly key: readonly string[]; readonly tier: string }
  | { readonly kind: 'global'; readonly columns: readonly CatalogColumn[] };

/** The default tier of a table, as in Picodata without `IN TIER`. */
const DEFAULT_TIER = 'default';

/** PostgreSQL base types to the OIDs Picodata reports for its own types. */
const PICODATA_OID: ReadonlyMap<number, number> = new Map([
  [20, 20], [21, 20], [23, 20], // int8, int2, int4: Picodata's integer
  [1700, 1700], // numeric: decimal
  [16, 16], // bool
  [1184, 1184], [1114, 1184], // timestamptz, timestamp: datetime
  [2950, 2950], // uuid
  [25, 25], [1043, 25], [1042, 25], // text, varchar, char: string
  [701, 701], [700, 701], // float8, float4: double
]);

/** Catalog connections, one per database, opened on first use and closed by {@link ShardingCatalog.close}. */
export class ShardingCatalog {
  readonly #target: CatalogTarget;
  readonly #databases = new Map<string, CatalogDatabase>();

  constructor(target: CatalogTarget) {
    this.#target = target;
  }

  /** The catalog of one database (the one a client session uses). */
  database(name: string): CatalogDatabase {
    let db = this.#databases.get(name);
    if (db === undefined) {
      db = new CatalogDatabase(this.#target, name);
      this.#databases.set(name, db);
    }
    return db;
  }

  close(): void {
    for (const db of this.#databases.values()) db.close();
    this.#databases.clear();
  }
}

/** One database's catalog, read through one superuser session; queries run one at a time. */
export class CatalogDatabase {
  readonly #target: CatalogTarget;
  readonly #name: string;
  #session: Promise<CatalogSession> | undefined;
  /** Whether the database has the stand-in's `_pico_table` (the `legacy` shape has none). */
  #hasPicoTable: Promise<boolean> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(target: CatalogTarget, name: string) {
    this.#target = target;
    this.#name = name;
  }

  /**
   * The table's distribution, or `undefined` when there is no such table. `table` is written as in SQL
   * (an unquoted name folds to lower case). Picodata's system tables (`_pico_*`) are global; every other
   * table is sharded by its primary key in tier `default` (a table without one has no sharding key here).
   */
  async shardingKeyOf(table: string): Promise<TableDistribution | undefined> {
    this.#hasPicoTable ??= this.#run(`SELECT to_regclass('_pico_table') IS NOT NULL`).then((rows) => rows[0]?.[0] === 't');
    const hasPicoTable = await this.#hasPicoTable.catch((error: unknown) => {
      this.#hasPicoTable = undefined;
      throw error;
    });
    const distribution = hasPicoTable ? '(SELECT p.distribution::text FROM _pico_table p WHERE p.id = c.oid)' : 'NULL';
    const sql = `SELECT a.attname, coalesce(nullif(t.typbasetype, 0), a.atttypid)::int8,
  (SELECT array_position(i.indkey::int2[], a.attnum) FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
  c.relname, ${distribution}
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.oid = to_regclass(${quoteLiteral(table)}) AND c.relkind IN ('r', 'p')
ORDER BY a.attnum`;
    return this.#run(sql).then((rows) => {
      if (rows.length === 0) return undefined;
      const columns = rows.map((r) => ({ name: r[0] ?? '', oid: PICODATA_OID.get(Number(r[1])) }));
      if ((rows[0]![3] ?? '').startsWith('_pico_')) return { kind: 'global', columns };
      const listed = fromPicoTable(rows[0]![4] ?? null, columns);
      if (listed !== undefined) return listed;
      const key = rows.filter((r) => r[2] !== null).sort((x, y) => Number(x[2]) - Number(y[2])).map((r) => r[0] ?? '');
      return { kind: 'sharded', columns, key, tier: DEFAULT_TIER };
    });
  }

  close(): void {
    void this.#session?.then((s) => s.close(), () => undefined);
    this.#session = undefined;
  }

  #run(sql: string): Promise<Array<Array<string | null>>> {
    const run = this.#queue.then(async () => {
      this.#session ??= CatalogSession.open(this.#target, this.#name);
      const session = await this.#session.catch((error: unknown) => {
        this.#session = undefined;
        throw error;
      });
      return session.query(sql);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * A table's distribution from its `_pico_table.distribution` text: `{"Global": null}` or
 * `{"ShardedImplicitly": [[key...], "murmur3", tier]}`; undefined when the table is not listed (or the text
 * is neither), which leaves it to the primary key.
 */
function fromPicoTable(text: string | null, columns: readonly CatalogColumn[]): TableDistribution | undefined {
  if (text === null) return undefined;
  const json = JSON.parse(text) as Record<string, unknown> | null;
  if (json !== null && 'Global' in json) return { kind: 'global', columns };
  const sharded = json?.ShardedImplicitly;
  if (!Array.isArray(sharded)) return undefined;
  const [key, , tier] = sharded as [unknown, unknown, unknown];
  if (!Array.isArray(key) || typeof tier !== 'string') return undefined;
  return { kind: 'sharded', columns, key: key.map(String), tier };
}

/** A bare simple-query session over the unix socket, with trust authentication. */
class CatalogSession {
  readonly #socket: Socket;
  readonly #parser = new Parser();
  #onMessage: ((m: BackendMessage) => void) | undefined;
  #closed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#parser.parse(chunk, (m) => this.#onMessage?.(m)));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('the catalog session closed')));
  }

  static async open(target: CatalogTarget, database: string): Promise<CatalogSession> {
    const socket = createConnection({ path: join(target.socketDir, `.s.PGSQL.${target.port}`) });
    const session = new CatalogSession(socket);
    await session.#exchange(serialize.startup({ user: target.superuser, database }));
    return session;
  }

  /** The rows of one statement, every value as text. */
  async query(sql: string): Promise<Array<Array<string | null>>> {
    const rows: Array<Array<string | null>> = [];
    await this.#exchange(serialize.query(sql), (m) => {
      if (m.name === 'dataRow') rows.push((m as DataRowMessage).fields);
    });
    return rows;
  }

  close(): void {
    if (!this.#socket.destroyed) this.#socket.end(serialize.end());
  }

  /** Writes `bytes` and waits for ReadyForQuery; an ErrorResponse rejects (after the ReadyForQuery). */
  #exchange(bytes: Buffer, each?: (m: BackendMessage) => void): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<void>((resolve, reject) => {
      let error: Error | undefined;
      this.#onMessage = (m) => {
        if (m.name === 'error') error = new Error(`catalog query failed: ${(m as NoticeMessage).message ?? ''}`);
        else if (m.name.startsWith('authentication') && m.name !== 'authenticationOk') {
          this.#onMessage = undefined;
          this.#socket.destroy();
          reject(new Error(`the catalog session needs trust authentication for ${'the superuser'}, the server asked for ${m.name}`));
        } else if (m.name === 'readyForQuery') {
          this.#onMessage = undefined;
          if (error) reject(error);
          else resolve();
        } else each?.(m);
      };
      this.#rejectOnClose = reject;
      this.#socket.write(bytes);
    });
  }

  #rejectOnClose: ((error: Error) => void) | undefined;

  #fail(error: Error): void {
    this.#closed ??= error;
    this.#onMessage = undefined;
    this.#rejectOnClose?.(error);
    this.#rejectOnClose = undefined;
  }
}
