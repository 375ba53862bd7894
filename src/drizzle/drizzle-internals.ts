import * as drizzleOrm from 'drizzle-orm';
import { PgPreparedQuery } from 'drizzle-orm/pg-core';
import { PicotsError } from '../errors.js';

/**
 * The few drizzle-orm internals a driver needs, which drizzle-orm's own PostgreSQL drivers use but its
 * published declarations leave out (they are marked internal): the function that turns an array row into
 * the selected object shape, and the prepared query's `queryWithCache` and `joinsNotNullableMap`.
 * Reached here, in one place, so that a drizzle-orm release that moves them fails with one clear error.
 */

/** Maps one array row to the shape of `fields` (drizzle-orm's `mapResultRow`). */
export type MapResultRow = (fields: unknown, row: unknown[], joinsNotNullableMap: Record<string, boolean> | undefined) => unknown;

/** drizzle-orm's `mapResultRow`; throws a PicotsError naming the supported versions when it is gone. */
export function mapResultRow(): MapResultRow {
  const fn = (drizzleOrm as unknown as { mapResultRow?: unknown }).mapResultRow;
  if (typeof fn !== 'function') throw unsupported('mapResultRow');
  return fn as MapResultRow;
}

/** The internal parts of a PgPreparedQuery that a driver calls. */
interface PreparedQueryInternals {
  joinsNotNullableMap?: Record<string, boolean>;
  queryWithCache?: <T>(sql: string, params: unknown[], run: () => Promise<T>) => Promise<T>;
}

/**
 * Runs `run` through drizzle-orm's `queryWithCache` (its result cache, when configured, and its
 * `DrizzleQueryError` wrapping of a failure, whose `cause` is picots' error).
 */
export function queryWithCache<T>(query: PgPreparedQuery<never>, sql: string, params: unknown[], run: () => Promise<T>): Promise<T> {
  const internals = query as unknown as PreparedQueryInternals;
  if (typeof internals.queryWithCache !== 'function') throw unsupported('PgPreparedQuery.queryWithCache');
  return internals.queryWithCache(sql, params, run);
}

/** The join nullability map the select builder sets on a prepared query. */
export function joinsNotNullableMap(query: PgPreparedQuery<never>): Record<string, boolean> | undefined {
  return (query as unknown as PreparedQueryInternals).joinsNotNullableMap;
}

function unsupported(what: string): PicotsError {
  return new PicotsError('ERR_PICOTS_DRIZZLE_VERSION', `this drizzle-orm version has no ${what}: picots/drizzle supports drizzle-orm ^0.45`);
}
