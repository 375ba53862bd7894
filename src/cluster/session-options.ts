import { buildPicodataOptions, type ReadPreference } from '../config/picodata-options.js';
import type { ResolvedClusterOptions } from '../config/cluster-options.js';

/**
 * The `options` startup string of each kind of session. A per-statement read preference needs a session
 * opened with it (Picodata reads it at startup only), so each instance keeps one set of connections per
 * distinct string; this class builds each string once.
 */
export class SessionOptions {
  /** The string of the pool's own settings ('' when there is none). */
  readonly default: string;
  readonly #o: ResolvedClusterOptions;
  readonly #byPreference = new Map<ReadPreference, string>();

  constructor(options: ResolvedClusterOptions) {
    this.#o = options;
    this.default = options.connection.options ?? '';
  }

  for(readPreference: ReadPreference | undefined): string {
    if (readPreference === undefined) return this.default;
    let s = this.#byPreference.get(readPreference);
    if (s === undefined) {
      s = buildPicodataOptions({ ...this.#o.picodata, readPreference }, this.#o.rawPicodataOptions).options ?? '';
      this.#byPreference.set(readPreference, s);
    }
    return s;
  }
}
