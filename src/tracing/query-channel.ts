import diagnostics_channel from 'node:diagnostics_channel';
import type { ClusterQueryOptions } from '../cluster/cluster-query-options.js';
import type { QueryParams, QueryResult } from '../protocol/query-types.js';
import { TRACING_CHANNELS } from './channel-names.js';
import type { TraceAnswer, TraceTarget } from './trace-fields.js';

/**
 * The context object of the `picots:query` tracing channel: one per statement call on the cluster pool
 * (`query`, `execute`, `fetch`, `fetchrow`, `fetchval`, and each statement of `executemany`), retries
 * included, and per statement on a connection from `acquire()`; the same object on `start`, `end`,
 * `asyncStart`, `asyncEnd` and `error`. Subscribers may add their own fields
 * (a span, a start time) to it.
 */
export interface QueryTraceContext extends TraceTarget, TraceAnswer {
  /** The statement text as the caller gave it (`db.query.text`); parameters are not inlined. */
  readonly sql: string;
  /** The caller's parameter array itself, not a copy: read it, never change it. */
  readonly params: QueryParams | undefined;
  /** The statement's first keyword, upper-cased (`db.operation.name`): `'SELECT'`, `'INSERT'`, ... */
  readonly operation: string | undefined;
  /** The caller's per-call options, as given. */
  readonly options: ClusterQueryOptions | undefined;
  /** On success: the command tag's verb, e.g. `'SELECT'`, `'INSERT'`. */
  command?: string;
  /** On success: rows returned or affected, from the command tag (`db.response.returned_rows` for a read). */
  rowCount?: number;
  /** Set by `tracePromise` on success: the whole result (the same object the caller gets). */
  result?: QueryResult<unknown>;
  /**
   * Set by `tracePromise` on failure: the error the caller gets. Its `code` is the SQLSTATE for a
   * {@link ServerError} (`db.response.status_code`), `ERR_PICOTS_*` for picots' own errors.
   */
  error?: unknown;
}

/** `picots:query`, created once: a subscriber's handle and ours are the same object. */
export const queryChannel = diagnostics_channel.tracingChannel<unknown, QueryTraceContext>(TRACING_CHANNELS.query);
