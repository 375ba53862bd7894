import type { PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { QueryResult } from '../protocol/query-types.js';

/**
 * What `db.execute(sql)` and a write without `.returning()` resolve to with `picots/drizzle`: picots'
 * {@link QueryResult}, with `rowCount` (rows written or returned), `command`, `rows` and `fields`.
 *
 * @example
 * ```ts
 * const { rowCount } = await db.update(users).set({ name: 'Ada' }).where(eq(users.id, 1));
 * ```
 */
export interface PicotsQueryResultHKT extends PgQueryResultHKT {
  /** picots' result, `rowCount` included. */
  type: QueryResult<this['row']>;
}
