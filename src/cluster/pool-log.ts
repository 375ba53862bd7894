import { debuglog } from 'node:util';
import type { LogFields, Logger } from '../config/logger.js';

/** `NODE_DEBUG=picots`: node's own switch for a library's debug lines, read once when first used. */
const nodeDebug = debuglog('picots');

/**
 * The pool's one way to log: `warn` and `info` go to the user's {@link Logger} (nowhere without one);
 * `debug` goes to `logger.debug` when there is one, else to `util.debuglog('picots')`. Every call takes
 * `(fields, message)`, so a structured logger keeps the fields and console prints both.
 */
export class PoolLog {
  readonly #logger: Logger | undefined;

  constructor(logger: Logger | undefined) {
    this.#logger = logger;
  }

  warn(fields: LogFields, message: string): void {
    this.#logger?.warn(fields, message);
  }

  info(fields: LogFields, message: string): void {
    this.#logger?.info?.(fields, message);
  }

  /** Whether a debug line would go anywhere: check it before building one. */
  get debugEnabled(): boolean {
    return this.#logger?.debug !== undefined || nodeDebug.enabled;
  }

  debug(fields: LogFields, message: string): void {
    const logger = this.#logger;
    if (logger?.debug !== undefined) logger.debug(fields, message);
    else if (nodeDebug.enabled) nodeDebug('%s %o', message, fields);
  }
}
