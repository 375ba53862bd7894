import type { Logger } from '../config/cluster-options.js';
import type { PicotsWarning } from './cluster-events.js';

/**
 * Where the pool's warnings go: the `logger` (if any) and the `warning` event (if anyone listens). Each
 * `once` key is reported once for the pool's life, so a flapping instance does not flood the log.
 */
export class Warnings {
  readonly #logger: Logger | undefined;
  readonly #emit: (warning: PicotsWarning) => void;
  readonly #seen = new Set<string>();

  constructor(logger: Logger | undefined, emit: (warning: PicotsWarning) => void) {
    this.#logger = logger;
    this.#emit = emit;
  }

  warn(warning: PicotsWarning): void {
    this.#logger?.warn(warning.message);
    this.#emit(warning);
  }

  once(key: string, warning: PicotsWarning): void {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.warn(warning);
  }
}
