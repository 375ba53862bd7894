/**
 * Rows a query may take from an earlier result of the same statement instead of decoding them again: a
 * DataRow whose bytes equal those of the earlier result's row at the same position gives that earlier row
 * (the very same object). For a reader that asks one question again and again and mostly gets the same
 * answer, the topology follower: an idle round then decodes nothing, and comparing its rows to the last
 * round's is a matter of identity. Internal to picots: the option is a symbol, not part of the public
 * options.
 */
import type { Int8Mode } from '../types/int8-mode.js';
import type { RowMode } from '../types/row-decoder.js';
import type { FieldInfo, QueryOptions, QueryResult } from './query-types.js';

/**
 * Query option: keep this result's raw rows, and take rows from the given earlier result where the bytes
 * are the same (`null` when there is none yet).
 */
export const REUSE_ROWS_FROM: unique symbol = Symbol('picots.reuseRowsFrom');

/** Query options with {@link REUSE_ROWS_FROM}. */
export interface ReuseRowsOptions extends QueryOptions {
  readonly [REUSE_ROWS_FROM]?: QueryResult<unknown> | null;
}

/** The raw DataRow bodies behind a result's rows, and what they were decoded with. */
export interface RawRows {
  readonly bytes: readonly Buffer[];
  readonly fields: readonly FieldInfo[];
  readonly rowMode: RowMode;
  readonly int8: Int8Mode;
}

const rawRowsByResult = new WeakMap<QueryResult<unknown>, RawRows>();

/** The raw rows kept for a result read with {@link REUSE_ROWS_FROM}; `undefined` for any other result. */
export function rawRowsOf(result: QueryResult<unknown>): RawRows | undefined {
  return rawRowsByResult.get(result);
}

export function keepRawRows(result: QueryResult<unknown>, raw: RawRows): void {
  rawRowsByResult.set(result, raw);
}

/** Rows of `earlier` fit a query with these fields and modes: same columns, same types, same decoding. */
export function sameDecoding(earlier: RawRows, fields: readonly FieldInfo[], rowMode: RowMode, int8: Int8Mode): boolean {
  if (earlier.rowMode !== rowMode || earlier.int8 !== int8 || earlier.fields.length !== fields.length) return false;
  for (let i = 0; i < fields.length; i++) {
    if (earlier.fields[i]!.name !== fields[i]!.name || earlier.fields[i]!.dataTypeID !== fields[i]!.dataTypeID) return false;
  }
  return true;
}
