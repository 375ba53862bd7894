import { PicotsError } from '../errors.js';

/**
 * The test kit could not start, drive or stop the stand-in cluster (a missing PostgreSQL server, a
 * command that failed or timed out). Its message carries what is needed to fix it: the command, its
 * output, or the tail of the server log.
 *
 * @example
 * ```ts
 * try { await startStandIn() }
 * catch (e) { if (e instanceof StandInError) console.error(e.message) }
 * ```
 */
export class StandInError extends PicotsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PICOTS_STANDIN', message, options);
  }
}
