import type { Int8Mode } from '../types/int8-mode.js';
import type { RowMode } from '../types/row-decoder.js';

export type { Int8Mode, RowMode };

/** One result column, as the server described it. */
export interface FieldInfo {
  /** The column's name; Picodata names unnamed expressions `col_1`, `col_2`, ... */
  readonly name: string;
  /** The PostgreSQL type OID; Picodata sends int8 (20) for every integer. */
  readonly dataTypeID: number;
}

/** Options every query method takes. */
export interface QueryOptions {
  /**
   * Milliseconds the query may take, counted from the call. A query that was already sent when the time runs
   * out cannot be cancelled on the server (Picodata has no CancelRequest): its connection is destroyed and
   * the error says the outcome is unknown.
   */
  timeout?: number;
  /** Aborts the query, with the same rules as `timeout`. */
  signal?: AbortSignal;
  /** Row shape for this query; defaults to the connection's `rowMode`. */
  rowMode?: RowMode;
  /** int8 decoding for this query; defaults to the connection's `int8`. */
  int8?: Int8Mode;
  /** `false` sends an unnamed statement that is not cached on the server (for one-off SQL). Default `true`. */
  prepare?: boolean;
}

/** What `execute()` resolves to. */
export interface ExecuteResult {
  /** The command tag's verb, e.g. `INSERT`, `SELECT`, `UPDATE`; `''` for an empty query. */
  command: string;
  /** Rows affected or returned, as the server's command tag says. */
  rowCount: number;
}

/** A complete query result. */
export interface QueryResult<Row = Record<string, unknown>> extends ExecuteResult {
  /** The rows, as objects keyed by column name (or arrays with `rowMode: 'array'`). */
  rows: Row[];
  /** The result's columns, in order. */
  fields: FieldInfo[];
}

/** Query parameters: sent as text with type OID 0, so the server infers each type from the statement. */
export type QueryParams = readonly unknown[];
