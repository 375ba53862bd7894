/**
 * Every error picots throws is a {@link PicotsError} with a stable `code`.
 *
 * Messages never contain a password: errors that mention a connection string carry its redacted form.
 *
 * @example
 * ```ts
 * try { await pool.fetch('SELECT * FROM t') }
 * catch (e) {
 *   if (e instanceof ServerError && e.code === '28P01') { ... }
 *   if (e instanceof ConnectionError && e.mayHaveReachedServer) { ... outcome unknown ... }
 * }
 * ```
 */

/** Where in a query's life a failure happened. */
export type Phase = 'acquire' | 'connect' | 'sent' | 'result';

/** Base class of every error picots throws. */
export class PicotsError extends Error {
  /** A stable machine-readable code: a SQLSTATE for server errors, `ERR_PICOTS_*` otherwise. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    // V8 formats a stack lazily and, until then, keeps every frame's receiver alive: an error made inside a
    // connection would pin that connection and its buffers for as long as anyone holds the error.
    // Formatting it now drops those references.
    void this.stack;
  }
}

/** An option or connection string is invalid. Thrown up front, before any I/O. */
export class ConfigError extends PicotsError {
  /** The option the error is about, e.g. `maxSize` or `dsn`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_PICOTS_CONFIG', `${option}: ${message}`);
    this.option = option;
  }
}

/** Fields the server sent with an ErrorResponse (Picodata sends only severity, code and message). */
export interface ServerErrorFields {
  /** `ERROR`, `FATAL` or `PANIC` (the ErrorResponse's `S` field). */
  severity?: string;
  /** A secondary message (`D`); PostgreSQL sends it, Picodata does not. */
  detail?: string;
  /** A suggestion (`H`); PostgreSQL sends it, Picodata does not. */
  hint?: string;
  /** 1-based character position in the statement text where the error was found (`P`), as a string. */
  position?: string;
}

/**
 * The server answered with an ErrorResponse. `code` is the SQLSTATE. The connection is still usable.
 * Picodata reports every SQL-engine and cluster error as `XX000`: classify those by message text.
 */
export class ServerError extends PicotsError {
  /** `ERROR`, `FATAL` or `PANIC`; `FATAL` means the server closes the connection. */
  readonly severity: string | undefined;
  /** A secondary message; `undefined` from Picodata, which sends only severity, code and message. */
  readonly detail: string | undefined;
  /** A suggestion; `undefined` from Picodata. */
  readonly hint: string | undefined;
  /** 1-based character position in the statement text where the error was found, as a string; `undefined` from Picodata. */
  readonly position: string | undefined;
  /** `host:port` of the instance that answered. */
  readonly instance: string | undefined;

  constructor(code: string, message: string, fields: ServerErrorFields = {}, instance?: string) {
    super(code, instance ? `${message} (SQLSTATE ${code}, instance ${instance})` : `${message} (SQLSTATE ${code})`);
    this.severity = fields.severity;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.instance = instance;
  }
}

/**
 * The server rejected the credentials (SQLSTATE 28P01). Never retried: Picodata locks a user after
 * `auth_login_attempt_max` (default 4) consecutive failures, on each instance separately.
 */
export class AuthenticationError extends ServerError {}

/**
 * The connection failed or was lost. `phase` says how far the query got; `mayHaveReachedServer` says
 * whether the statement may have been executed (Picodata autocommits every statement, so a lost
 * statement that reached the server may be durable).
 */
export class ConnectionError extends PicotsError {
  /**
   * How far the statement got: `acquire` (waiting for a connection), `connect` (opening one), `sent` (written,
   * no answer yet) or `result` (part of the answer read).
   */
  readonly phase: Phase;
  /**
   * True when the statement may have reached the server and run there: Picodata autocommits, so its effect
   * may be durable. False means it provably never reached a server and is safe to run again.
   */
  readonly mayHaveReachedServer: boolean;
  /** `host:port` of the instance the failure happened on, when there was one. */
  readonly instance: string | undefined;

  constructor(
    message: string,
    init: { phase: Phase; mayHaveReachedServer: boolean; instance?: string; cause?: unknown; code?: string },
  ) {
    const where = init.instance ? ` (instance ${init.instance})` : '';
    super(init.code ?? 'ERR_PICOTS_CONNECTION', `${message}${where}`, { cause: init.cause });
    this.phase = init.phase;
    this.mayHaveReachedServer = init.mayHaveReachedServer;
    this.instance = init.instance;
  }
}

/** A deadline passed. When `phase` is `sent` or `result`, the connection was destroyed and the outcome is unknown. */
export class TimeoutError extends ConnectionError {
  constructor(message: string, init: { phase: Phase; mayHaveReachedServer: boolean; instance?: string }) {
    super(message, { ...init, code: 'ERR_PICOTS_TIMEOUT' });
  }
}

/** The caller's AbortSignal fired. When `mayHaveReachedServer` is true the connection was destroyed. */
export class AbortError extends ConnectionError {
  constructor(message: string, init: { phase: Phase; mayHaveReachedServer: boolean; instance?: string; cause?: unknown }) {
    super(message, { ...init, code: 'ERR_PICOTS_ABORTED' });
  }
}

/**
 * The session was dropped on purpose, to stop waiting for *another* caller's statement that timed out or
 * was aborted (Picodata cannot cancel a statement; closing the socket is the only way). It says nothing
 * about the instance. Statements pipelined on that session fail with this error (or a ConnectionError
 * caused by it): the cluster pool runs them again when that is safe.
 */
export class SessionDroppedError extends ConnectionError {
  constructor(message: string, init: { phase: Phase; mayHaveReachedServer: boolean; instance?: string }) {
    super(message, { ...init, code: 'ERR_PICOTS_SESSION_DROPPED' });
  }
}

/** A value could not be converted without losing information (for example an int8 beyond 2^53 in `number` mode). */
export class TypeConversionError extends PicotsError {
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(options?.code ?? 'ERR_PICOTS_TYPE', message, { cause: options?.cause });
  }
}

/**
 * A query's parameters cannot be sent: the list is not an array, has more than 65535 values, does not match
 * the statement's parameter count, or a value has no text form (a symbol, a function, a plain object, a
 * bigint beyond int8, an invalid Date, an array nested deeper than 6 dimensions or cyclic). Raised before
 * anything is queued, so nothing reached the server and no other query is affected.
 */
export class ParameterError extends TypeConversionError {
  /** 0-based position of the parameter at fault; `undefined` when the error is about the whole list. */
  readonly index: number | undefined;
  /** What the caller passed there, e.g. `symbol`, `function`, `object (plain)`. */
  readonly valueType: string | undefined;

  constructor(message: string, init: { index?: number; valueType?: string; cause?: unknown } = {}) {
    super(message, { code: 'ERR_PICOTS_PARAMETER', cause: init.cause });
    this.index = init.index;
    this.valueType = init.valueType;
  }
}

/** The server sent something the protocol does not allow at that point. The connection is destroyed. */
export class ProtocolError extends PicotsError {
  constructor(message: string) {
    super('ERR_PICOTS_PROTOCOL', message);
  }
}

/** `acquire()` waited longer than its timeout. */
export class PoolTimeoutError extends PicotsError {
  constructor(message: string) {
    super('ERR_PICOTS_POOL_TIMEOUT', message);
  }
}

/** The pool is closing or closed. */
export class PoolClosedError extends PicotsError {
  constructor(message = 'the pool is closed') {
    super('ERR_PICOTS_POOL_CLOSED', message);
  }
}

/** `maxWaiters` callers are already waiting: the pool fails fast instead of queueing more. */
export class PoolSaturatedError extends PicotsError {
  constructor(message: string) {
    super('ERR_PICOTS_POOL_SATURATED', message);
  }
}

/**
 * Some statements of an `executemany()` failed. Each parameter set runs as its own statement (Picodata
 * autocommits each one), so the others may have been applied: `results[i]` is set for each that succeeded,
 * `errors[i]` for each that failed.
 */
export class ExecuteManyError extends PicotsError {
  /** One entry per parameter set: `{ command, rowCount }` of each statement that succeeded, `undefined` where it failed. */
  readonly results: ReadonlyArray<{
    /** The command tag's verb, e.g. `INSERT`. */
    command: string;
    /** Rows the statement affected or returned. */
    rowCount: number;
  } | undefined>;
  /** One entry per parameter set: the error of each statement that failed, `undefined` where it succeeded. */
  readonly errors: ReadonlyArray<Error | undefined>;

  constructor(results: Array<{ command: string; rowCount: number } | undefined>, errors: Array<Error | undefined>) {
    const failed = errors.filter((e) => e !== undefined);
    super(
      'ERR_PICOTS_EXECUTEMANY',
      `${failed.length} of ${errors.length} statements failed; the others were applied. First error: ${failed[0]?.message}`,
      { cause: failed[0] },
    );
    this.results = results;
    this.errors = errors;
  }
}

/**
 * A statement failed after it may have reached the server, and picots did not retry it because it is neither
 * a read nor marked `idempotent`. Picodata autocommits every statement: it may or may not have been applied.
 * `cause` is the underlying failure; `instance` is where it was sent.
 */
export class OutcomeUnknownError extends ConnectionError {
  constructor(message: string, init: { phase: Phase; instance?: string; cause?: unknown }) {
    super(message, { ...init, mayHaveReachedServer: true, code: 'ERR_PICOTS_OUTCOME_UNKNOWN' });
  }
}

/**
 * No instance can take the statement: every one is down, quarantined after failures, or not Online.
 * `failures` has the last error seen on each instance, by address. Probes keep running in the background,
 * and statements succeed again as soon as an instance answers.
 */
export class NoInstanceAvailableError extends PicotsError {
  /** The last error seen on each instance, keyed by `host:port`. */
  readonly failures: ReadonlyMap<string, Error>;

  constructor(message: string, failures: ReadonlyMap<string, Error> = new Map(), cause?: unknown) {
    super('ERR_PICOTS_NO_INSTANCE', message, { cause });
    this.failures = failures;
  }
}

/**
 * A query builder asked for a transaction (Kysely's `db.transaction()`, Drizzle's `db.transaction()`).
 * Picodata has none: every statement commits on its own, and `BEGIN`/`COMMIT`/`ROLLBACK` parse but do
 * nothing, so a "rolled back" transaction would silently keep its writes. picots refuses before anything
 * is sent. `operation` names what was asked for, e.g. `kysely transaction()`.
 */
export class NoTransactionsError extends PicotsError {
  /** What was asked for, e.g. `kysely transaction()` or `drizzle transaction()`. */
  readonly operation: string;

  constructor(operation: string) {
    super(
      'ERR_PICOTS_NO_TRANSACTIONS',
      `Picodata has no transactions: ${operation} was refused before anything was sent. Every statement ` +
        'commits on its own there, and BEGIN/COMMIT/ROLLBACK do nothing, so a rollback would silently keep ' +
        'the writes. Run the statements one by one (write them so a retry is harmless), or make them one ' +
        'single-bucket DO $$ BEGIN ... END $$ block, which Picodata 26.1.1+ runs atomically.',
    );
    this.operation = operation;
  }
}
