import type { InstanceRef } from '../cluster/instance-ref.js';

/**
 * Who a traced call talks to, known when it starts. Field names are picots' own, in camelCase; the README's
 * "Tracing and logging" section maps each to its OpenTelemetry attribute (`dbSystemName` is
 * `db.system.name`, `database` is `db.namespace`). Never a DSN, a password or a connection's options.
 */
export interface TraceTarget {
  /** Always `'picodata'` (OpenTelemetry `db.system.name`). */
  readonly dbSystemName: 'picodata';
  /** The DSN's database, if it names one (`db.namespace`); Picodata itself ignores it. */
  readonly database: string | undefined;
  /** The user the pool logs in as. */
  readonly user: string;
}

/**
 * Where a traced pool call ran, written as the call goes: after each attempt is placed, so on an error
 * they name the instance of the last attempt.
 */
export interface TraceAnswer {
  /** Attempts made so far, the first included (a retry on another instance adds one). */
  attempts: number;
  /** The instance of the last attempt: on success, the one that answered. */
  instance?: InstanceRef;
  /** Host of that instance (`server.address`). */
  serverAddress?: string;
  /** Port of that instance (`server.port`). */
  serverPort?: number;
}
