import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely';
import type { Pool } from '../cluster/pool.js';
import { NoTransactionsError } from '../errors.js';
import { SharedPoolConnection } from './shared-pool-connection.js';

/**
 * Kysely's Driver over a picots {@link Pool}. Every "connection" it hands out is the same
 * {@link SharedPoolConnection}: statements are pipelined on the pool's shared sessions rather than holding
 * one session each. Transactions and savepoints are refused with a {@link NoTransactionsError} before
 * anything is sent, because Picodata would run the statements without one and keep them on "rollback".
 */
export class PicodataDriver implements Driver {
  readonly #pool: Pool;
  readonly #owned: boolean;
  readonly #connection: SharedPoolConnection;

  /** `owned`: the dialect made the pool from options, so `destroy()` closes it. */
  constructor(pool: Pool, owned: boolean) {
    this.#pool = pool;
    this.#owned = owned;
    this.#connection = new SharedPoolConnection(pool);
  }

  /** Connects the pool (finds the instances when discovery is on); fails on a wrong password at once. */
  async init(): Promise<void> {
    await this.#pool.connect();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }

  /** Refused: Picodata has no transactions (throws {@link NoTransactionsError}). */
  async beginTransaction(_connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    throw new NoTransactionsError('kysely transaction()');
  }

  /** Refused: Picodata has no transactions (throws {@link NoTransactionsError}). */
  async commitTransaction(_connection: DatabaseConnection): Promise<void> {
    throw new NoTransactionsError('kysely commit');
  }

  /** Refused: Picodata has no transactions (throws {@link NoTransactionsError}). */
  async rollbackTransaction(_connection: DatabaseConnection): Promise<void> {
    throw new NoTransactionsError('kysely rollback');
  }

  async savepoint(): Promise<void> {
    throw new NoTransactionsError('kysely savepoint()');
  }

  async rollbackToSavepoint(): Promise<void> {
    throw new NoTransactionsError('kysely rollbackToSavepoint()');
  }

  async releaseSavepoint(): Promise<void> {
    throw new NoTransactionsError('kysely releaseSavepoint()');
  }

  async releaseConnection(): Promise<void> {}

  /** Closes the pool when the dialect made it; a pool the application passed in is left open. */
  async destroy(): Promise<void> {
    if (this.#owned) await this.#pool.close();
  }
}
