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
    const logger = this.#logger;
    if (logger !== undefined) call(() => logger.warn(fields, message));
  }

  info(fields: LogFields, message: string): void {
    const info = this.#logger?.info;
    if (info !== undefined) call(() => info.call(this.#logger, fields, message));
  }

  /** Whether a debug line would go anywhere: check it before building one. */
  get debugEnabled(): boolean {
    return this.#logger?.debug !== undefined || nodeDebug.enabled;
  }

  debug(fields: LogFields, message: string): void {
    const logger = this.#logger;
    const debug = logger?.debug;
    if (debug !== undefined) call(() => debug.call(logger, fields, message));
    else if (nodeDebug.enabled) nodeDebug('%s %o', message, fields);
  }
}

/**
 * A logger is the user's code, called from inside the router and the health monitor: one that throws loses
 * its line, never a statement, a probe or the process.
 */
function call(log: () => void): void {
  try {
    log();
  } catch {
    // Nowhere better to report it: the logger is where reports go.
  }
}
