import type { ReadPreference } from '../config/picodata-options.js';
import type { QueryOptions } from '../protocol/query-types.js';
import type { AcquireConnectionOptions } from './instance-connections.js';

/** Per-query options of the cluster-aware pool. */
export interface ClusterQueryOptions extends QueryOptions {
  /**
   * Running this statement twice is harmless: after a failure that may have reached the server, it may be
   * retried on another instance. Default false.
   */
  idempotent?: boolean;
  /**
   * The statement only reads, so it may be retried on another instance. Default: guessed from the SQL text
   * (a single SELECT/VALUES/WITH without writes); pass `false` for a SELECT that calls a function with side
   * effects.
   */
  readOnly?: boolean;
  /** Picodata's read preference for this statement (26.1.1+); sessions are kept per preference. */
  readPreference?: ReadPreference;
}

/** Options of `acquire()`. */
export interface ClusterAcquireOptions extends AcquireConnectionOptions {
  readPreference?: ReadPreference;
}
