import type { InstanceRef } from '../cluster/instance-ref.js';

/**
 * The structured part of a log call: a stable `code` to filter on, the instance it is about, and the error
 * when there is one (`err`, the key pino serializes). Never a password or a DSN.
 */
export interface LogFields {
  /** Stable, for filtering: `'INSTANCE_QUARANTINED'`, `'INSTANCE_RECOVERED'`, `'DISCOVERY_FAILED'`, ... */
  readonly code: string;
  /** The instance the line is about, when it is about one (its name, address and uuid as the pool knows them). */
  readonly instance?: InstanceRef;
  /** The error behind the line, when there is one: the Error object itself, for the logger to serialize. */
  readonly err?: unknown;
  readonly [key: string]: unknown;
}

/**
 * Where picots reports what it noticed: `logger.warn(fields, message)`, the `(object, message)` shape that
 * pino takes and `console` prints. `console`, a pino logger, or any object with these methods will do.
 *
 * - `warn`: an instance quarantined, and every warning (discovery fell back, an instance skipped or
 *   unreachable, ignored options).
 * - `info` (optional): an instance recovered, joined or left the rotation.
 * - `debug` (optional): each retry on another instance. Without it, debug lines go to
 *   `util.debuglog('picots')`, printed only with `NODE_DEBUG=picots`.
 *
 * @example
 * ```ts
 * const pool = new Pool({ dsn, logger: console });             // or: logger: pino()
 * // warn { code: 'INSTANCE_QUARANTINED', instance: { name: 'i2', ... }, err } 'instance i2 (10.0.0.2:4327) is out of rotation: ...'
 * ```
 */
export interface Logger {
  /** Something the application should see: a quarantine or a warning. `message` is one line for people. */
  warn(fields: LogFields, message: string): void;
  /** A change in rotation worth a line: an instance recovered, joined or left. */
  info?(fields: LogFields, message: string): void;
  /** Detail for diagnosis: each retry on another instance, bucket-map reads. */
  debug?(fields: LogFields, message: string): void;
}
