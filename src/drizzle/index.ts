/**
 * `picots/drizzle`: a drizzle-orm driver (PostgreSQL dialect) on a picots Pool. drizzle-orm is an optional
 * peer dependency of picots: install it to use this entry.
 *
 * @example
 * ```ts
 * import { Pool } from 'picots';
 * import { drizzle } from 'picots/drizzle';
 *
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327' });
 * const db = drizzle(pool, { schema });
 * const rows = await db.select().from(users);
 * ```
 */
export { drizzle, PicotsDatabase } from './picots-drizzle.js';
export { PicotsSession, PicotsPreparedQuery, type PicotsSessionOptions, type QueryMetadata, type CustomResultMapper } from './picots-session.js';
export type { PicotsQueryResultHKT } from './query-result.js';
export { NoTransactionsError } from '../errors.js';
