/**
 * `picots/kysely`: a Kysely dialect for Picodata over a picots Pool. Kysely is an optional peer dependency
 * of picots: install it to use this entry.
 *
 * @example
 * ```ts
 * import { Kysely } from 'kysely';
 * import { PicodataDialect } from 'picots/kysely';
 *
 * const db = new Kysely<Database>({ dialect: new PicodataDialect({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327' }) });
 * const rows = await db.selectFrom('person').selectAll().execute();
 * await db.destroy(); // closes the pool the dialect made
 * ```
 */
export { PicodataDialect, type PicodataDialectConfig } from './picodata-dialect.js';
export { PicodataDriver } from './picodata-driver.js';
export { PicodataAdapter } from './picodata-adapter.js';
export { PicodataIntrospector } from './picodata-introspector.js';
export { SharedPoolConnection, toKyselyResult } from './shared-pool-connection.js';
export { isReadOnlyQuery } from './read-only-query.js';
export { NoTransactionsError } from '../errors.js';
