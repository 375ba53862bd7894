import diagnostics_channel from 'node:diagnostics_channel';
import type { InstanceRef } from '../cluster/instance-ref.js';
import type { ResolvedConnectionOptions } from '../config/connection-options.js';
import { DB_SYSTEM_NAME, TRACING_CHANNELS } from './channel-names.js';

/**
 * How far the opening of a connection got: `'tcp'` (connecting), `'tls'` (SSLRequest and the TLS
 * handshake), `'authentication'` (StartupMessage sent, password exchange), `'ready'` (authenticated,
 * waiting for the first ReadyForQuery; Picodata holds it until the instance is Online), `'done'`.
 */
export type ConnectPhase = 'tcp' | 'tls' | 'authentication' | 'ready' | 'done';

/**
 * The context object of the `picots:connect` tracing channel: one per connection opened, by the pool, its
 * health probes and topology reads, or `Connection.connect()` itself.
 */
export interface ConnectTraceContext {
  /** Always `'picodata'` (`db.system.name`). */
  readonly dbSystemName: 'picodata';
  /** `server.address`. */
  readonly serverAddress: string;
  /** `server.port`. */
  readonly serverPort: number;
  /** The instance, when the pool knows which one this address is (unknown for a seed address). */
  readonly instance: InstanceRef | undefined;
  /** `db.user`: the user name the connection authenticates as (never its password). */
  readonly user: string;
  /** `db.namespace`, when the DSN names a database. */
  readonly database: string | undefined;
  /** Whether TLS is asked for (any sslmode but `disable`; with `prefer` the server may still say no). */
  readonly tls: boolean;
  /** The phase reached: on `error`, the one that failed. */
  phase: ConnectPhase;
  /** Set by `tracePromise` on failure. */
  error?: unknown;
  /** Set by `tracePromise` on success: the open `Connection`. */
  result?: unknown;
}

/** `picots:connect`, created once. */
export const connectChannel = diagnostics_channel.tracingChannel<unknown, ConnectTraceContext>(TRACING_CHANNELS.connect);

/**
 * Runs one connection's opening inside `picots:connect`. Call it only when `connectChannel.hasSubscribers`.
 * The context takes the address, user, database and TLS mode from the options, never the password.
 */
export function traceConnect<T>(options: ResolvedConnectionOptions, instance: InstanceRef | undefined, open: (ctx: ConnectTraceContext) => Promise<T>): Promise<T> {
  const ctx: ConnectTraceContext = {
    dbSystemName: DB_SYSTEM_NAME,
    serverAddress: options.host,
    serverPort: options.port,
    instance,
    user: options.user,
    database: options.startupParameters.database,
    tls: options.tls.mode !== 'disable',
    phase: 'tcp',
  };
  return connectChannel.tracePromise(open, ctx, undefined, ctx);
}
