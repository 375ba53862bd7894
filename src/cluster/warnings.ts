import type { PicotsWarning } from './cluster-events.js';
import type { PoolLog } from './pool-log.js';

/**
 * Where the pool's warnings go: `logger.warn({ code, instance }, message)` (if there is a logger) and the
 * `warning` event (if anyone listens). Each `once` key is reported once for the pool's life, so a flapping
 * instance does not flood the log.
 */
export class Warnings {
  readonly #log: PoolLog;
  readonly #emit: (warning: PicotsWarning) => void;
  readonly #seen = new Set<string>();

  constructor(log: PoolLog, emit: (warning: PicotsWarning) => void) {
    this.#log = log;
    this.#emit = emit;
  }

  warn(warning: PicotsWarning): void {
    this.#log.warn(warning.instance === undefined ? { code: warning.code } : { code: warning.code, instance: warning.instance }, warning.message);
    this.#emit(warning);
  }

  once(key: string, warning: PicotsWarning): void {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.warn(warning);
  }
}
