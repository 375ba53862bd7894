import { PostgresAdapter, type Kysely, type MigrationLockOptions } from 'kysely';

/**
 * Kysely's PostgreSQL adapter with what Picodata lacks turned off:
 *
 * - `supportsTransactionalDdl` is false: Picodata has no transactions, so Kysely's Migrator runs each
 *   migration's statements one by one instead of inside `db.transaction()` (which picots refuses).
 * - The migration lock does nothing. PostgreSQL's adapter takes `pg_advisory_lock`, which Picodata does not
 *   have. Run migrations from one process at a time (a deploy step, not every replica of the app).
 *
 * `RETURNING` stays on (Picodata supports `INSERT/UPDATE/DELETE ... RETURNING`), as does
 * `CREATE TABLE IF NOT EXISTS`.
 */
export class PicodataAdapter extends PostgresAdapter {
  /** False: Picodata has no transactions, so DDL cannot be rolled back. */
  override get supportsTransactionalDdl(): boolean {
    return false;
  }

  /** Does nothing: Picodata has no advisory locks (see the class comment). */
  override async acquireMigrationLock(_db: Kysely<any>, _options: MigrationLockOptions): Promise<void> {}

  /** Does nothing: nothing was locked. */
  override async releaseMigrationLock(_db: Kysely<any>, _options: MigrationLockOptions): Promise<void> {}
}
