import type { ClusterAcquireOptions, ClusterQueryOptions } from '../cluster/cluster-query-options.js';
import type { InstanceRef } from '../cluster/instance-ref.js';
import type { PoolConnection } from '../cluster/pool-connection.js';
import type { RouteProgress } from '../cluster/router.js';
import type { QueryParams, QueryResult } from '../protocol/query-types.js';
import { acquireChannel, type AcquireTraceContext } from './acquire-channel.js';
import { DB_SYSTEM_NAME } from './channel-names.js';
import { queryChannel, type QueryTraceContext } from './query-channel.js';
import { sqlOperation } from './sql-operation.js';
import type { TraceAnswer } from './trace-fields.js';

/** What a traced call reads from the instance an attempt is placed on. */
export interface TracedMember {
  readonly ref: InstanceRef;
  readonly host: string;
  readonly port: number;
}

/** The pool's identity in every payload: never the DSN, never the password. */
export interface PoolTraceTarget {
  readonly user: string;
  readonly database: string | undefined;
}

/**
 * Runs one statement call inside the `picots:query` tracing channel. Call it only when
 * `queryChannel.hasSubscribers`: it allocates the context and the progress callback.
 */
export function traceQuery<Row>(
  target: PoolTraceTarget,
  sql: string,
  params: QueryParams | undefined,
  options: ClusterQueryOptions | undefined,
  run: (progress: RouteProgress<TracedMember>) => Promise<QueryResult<Row>>,
): Promise<QueryResult<Row>> {
  const ctx: QueryTraceContext = {
    dbSystemName: DB_SYSTEM_NAME,
    database: target.database,
    user: target.user,
    sql,
    params,
    operation: sqlOperation(sql),
    options,
    attempts: 0,
  };
  const progress = placedOn(ctx);
  return queryChannel.tracePromise(() => run(progress).then((result) => {
    ctx.command = result.command;
    ctx.rowCount = result.rowCount;
    return result;
  }), ctx);
}

/** Runs one `acquire()` inside the `picots:pool:acquire` tracing channel (only when it has subscribers). */
export function traceAcquire(
  target: PoolTraceTarget,
  options: ClusterAcquireOptions | undefined,
  run: (progress: RouteProgress<TracedMember>) => Promise<PoolConnection>,
): Promise<PoolConnection> {
  const ctx: AcquireTraceContext = { dbSystemName: DB_SYSTEM_NAME, database: target.database, user: target.user, options, attempts: 0 };
  return acquireChannel.tracePromise(run, ctx, undefined, placedOn(ctx));
}

function placedOn(ctx: TraceAnswer): RouteProgress<TracedMember> {
  return {
    placed(member: TracedMember): void {
      ctx.attempts++;
      ctx.instance = member.ref;
      ctx.serverAddress = member.host;
      ctx.serverPort = member.port;
    },
  };
}
