/**
 * The names of the `node:diagnostics_channel` channels picots publishes on. Subscribe by these names from
 * anywhere in the process (a tracer needs no reference to the pool). Tracing channels have the five
 * sub-channels of `diagnostics_channel.tracingChannel()`: `tracing:<name>:start`, `:end`, `:asyncStart`,
 * `:asyncEnd` and `:error`.
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { TRACING_CHANNELS, type QueryTraceContext } from 'picots';
 * diagnostics_channel.tracingChannel<unknown, QueryTraceContext>(TRACING_CHANNELS.query).subscribe({
 *   start: (ctx) => console.log('start', ctx.operation),
 *   asyncEnd: (ctx) => console.log('done', ctx.instance?.name, ctx.rowCount),
 *   error: (ctx) => console.log('failed', ctx.error),
 *   end: () => {}, asyncStart: () => {},
 * });
 * ```
 */
export const TRACING_CHANNELS = Object.freeze({
  /** Tracing channel over one statement of the cluster pool (`query`/`execute`/`fetch`/...), retries included. */
  query: 'picots:query',
  /** Tracing channel over the opening of one connection: TCP, TLS, authentication, first ReadyForQuery. */
  connect: 'picots:connect',
  /** Tracing channel over `pool.acquire()`, retries included. */
  acquire: 'picots:pool:acquire',
  /** Plain channel: a failed attempt is about to run again on another instance. */
  retry: 'picots:retry',
  /** Plain channel: an instance was taken out of rotation after a failure of its own. */
  quarantine: 'picots:instance:quarantine',
  /** Plain channel: a quarantined instance answered a probe and is back in rotation. */
  recover: 'picots:instance:recover',
  /** Plain channel: instances joined or left the rotation. */
  topologyChange: 'picots:topology:change',
} as const);

/** The `db.system.name` picots reports: Picodata, not PostgreSQL, though it speaks PostgreSQL's protocol. */
export const DB_SYSTEM_NAME = 'picodata';
