import diagnostics_channel from 'node:diagnostics_channel';
import type { ClusterAcquireOptions } from '../cluster/cluster-query-options.js';
import type { PoolConnection } from '../cluster/pool-connection.js';
import { TRACING_CHANNELS } from './channel-names.js';
import type { TraceAnswer, TraceTarget } from './trace-fields.js';

/**
 * The context object of the `picots:pool:acquire` tracing channel: one per `pool.acquire()` call, from the
 * call until a connection is leased (or the call fails), retries on other instances included. Holding the
 * connection afterwards is not part of it.
 */
export interface AcquireTraceContext extends TraceTarget, TraceAnswer {
  /** The caller's options, as given. */
  readonly options: ClusterAcquireOptions | undefined;
  /** Set by `tracePromise` on success: the leased connection. */
  result?: PoolConnection;
  /** Set by `tracePromise` on failure: the error the caller gets. */
  error?: unknown;
}

/** `picots:pool:acquire`, created once. */
export const acquireChannel = diagnostics_channel.tracingChannel<unknown, AcquireTraceContext>(TRACING_CHANNELS.acquire);
