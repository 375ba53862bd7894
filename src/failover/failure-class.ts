/**
 * What a failed attempt means: did the statement possibly take effect, is the instance to blame, and could
 * running it again help. The retry policy (`retry-policy.ts`) turns this into a decision.
 *
 * Rules, from Picodata's behaviour (`shared/picodata/FACTS.md`, "Errors"):
 * - every statement autocommits, so one lost after it was sent may be durable;
 * - 28P01 is never retried, on any instance: Picodata locks a user after 4 failed logins per instance;
 * - every SQL-engine and cluster error is XX000, so those are told apart by message text. Routing errors
 *   ("There is no active replicas in replicaset", "Master of replicaset ... is unreachable",
 *   "Bucket ... cannot be found", "timed out") were already retried by the server and may succeed later;
 *   a multi-shard write may have been applied in part, so only reads and idempotent statements go again.
 *
 * @example
 * ```ts
 * classifyFailure(new ServerError('XX000', 'Duplicate key exists in unique index "pk"')).retryable // 'never'
 * ```
 */
import {
  AbortError, AuthenticationError, ConfigError, ConnectionError, ExecuteManyError, PoolClosedError,
  ParameterError, PoolSaturatedError, PoolTimeoutError, ProtocolError, ServerError, SessionDroppedError, TimeoutError, TypeConversionError,
} from '../errors.js';

/** A short name for the failure, for logs, metrics and tests. */
export type FailureKind =
  | 'aborted' | 'session-dropped' | 'pool-timeout' | 'pool-saturated' | 'pool-closed' | 'not-sent' | 'connect-timeout'
  | 'connection-lost' | 'query-timeout' | 'protocol' | 'auth' | 'rejected' | 'limit' | 'statement-invalidated'
  | 'rolled-back' | 'server-unavailable' | 'server-transient' | 'server-error' | 'client' | 'unknown';

/** Whether running the statement again (elsewhere or later) may help, and for which statements. */
export type Retryable = 'any-statement' | 'reads-and-idempotent' | 'never';

/** What a failure means. */
export interface FailureClass {
  readonly kind: FailureKind;
  /** The statement may or may not have taken effect (it may have reached the server and not reported back). */
  readonly uncertain: boolean;
  /** The instance or the path to it is at fault (feed the quarantine); `false` for errors about the statement. */
  readonly instanceFault: boolean;
  readonly retryable: Retryable;
  /** One sentence for messages and logs. */
  readonly reason: string;
}

/**
 * SQLSTATEs by which an instance says that it, not the statement, is failing: shutting down (57P01 admin,
 * 57P02 crash) or the session is broken (08000, 08003, 08006). Only these, a lost socket and a failed connect
 * count against an instance.
 */
const INSTANCE_GOING_AWAY: ReadonlySet<string> = new Set(['57P01', '57P02', '08000', '08003', '08006']);

/** Messages of XX000 errors that running again cannot fix. */
const XX000_DETERMINISTIC: ReadonlyArray<[RegExp, FailureKind, string]> = [
  [/exceeded maximum number of rows|limit on max executed vdbe opcodes|vdbe opcode/i, 'limit',
    'a server limit was hit (sql_motion_row_max / sql_vdbe_opcode_max); running it again hits it again'],
  [/duplicate key/i, 'rejected', 'duplicate key'],
  [/\baccess\b[^\n]{0,200}\bdenied\b|\bis denied for\b|permission denied|login attempts exceeded/i, 'rejected', 'access denied'],
  [/\b(?:column|table|space|relation|function|index|procedure|user|role|sequence)\b[^\n]{0,200}?\b(?:not found|does not exist)|there is no table with name/i,
    'rejected', 'an object the statement names does not exist'],
  [/pars(?:e|ing) error|syntax error|could not parse|invalid query|invalid parameters usage|expected \d+ values for parameters/i,
    'rejected', 'the statement is invalid'],
];

/** Messages of XX000 errors about routing inside the cluster, which may succeed a little later. */
const XX000_TRANSIENT: readonly RegExp[] = [
  /there is no active replicas in replicaset/i,
  /\bis unreachable\b/i,
  /\bbucket\b[^\n]{0,200}\bcannot be found\b/i,
  /\btimed out\b|\btimeout exceeded\b/i,
  /\bconnection (?:refused|reset|closed)\b/i,
];

/**
 * Classifies an error thrown by an attempt. Unknown errors are treated as the worst case that is still
 * honest: not retried, and uncertain.
 *
 * @example classifyFailure(new ConnectionError('refused', { phase: 'connect', mayHaveReachedServer: false })).kind // 'not-sent'
 */
export function classifyFailure(error: unknown): FailureClass {
  // Subclasses before their parents: AbortError and TimeoutError are ConnectionErrors,
  // AuthenticationError is a ServerError.
  if (error instanceof AbortError) {
    return make('aborted', error.mayHaveReachedServer, false, 'never', 'the caller aborted the query');
  }
  if (isDroppedSession(error)) {
    // Another caller's deadline cost this statement its session: the instance is fine.
    return error.mayHaveReachedServer
      ? make('session-dropped', true, false, 'reads-and-idempotent', "the session was dropped to stop another caller's statement after this one was sent; it may have run")
      : make('session-dropped', false, false, 'any-statement', "the session was dropped to stop another caller's statement before this one was sent");
  }
  if (error instanceof TimeoutError) {
    if (error.mayHaveReachedServer) {
      return make('query-timeout', true, false, 'reads-and-idempotent', 'the query timed out after it was sent; it may have run');
    }
    // A handshake that hangs is how an instance that is not Online yet (or is blackholed) behaves.
    const atConnect = error.phase === 'connect';
    return make('connect-timeout', false, atConnect, 'any-statement',
      atConnect ? 'connecting timed out before the statement was sent' : 'timed out before the statement was sent');
  }
  if (error instanceof ConnectionError) {
    return error.mayHaveReachedServer
      ? make('connection-lost', true, true, 'reads-and-idempotent', `the connection failed after the statement was sent (${error.phase}); it may have run`)
      : make('not-sent', false, true, 'any-statement', `the connection failed before the statement was sent (${error.phase})`);
  }
  if (error instanceof ProtocolError) {
    return make('protocol', true, true, 'reads-and-idempotent', 'the server broke the protocol; the connection was dropped and the statement may have run');
  }
  if (error instanceof AuthenticationError) return auth();
  if (error instanceof ServerError) return classifyServerError(error.code, error.message);
  if (error instanceof PoolTimeoutError) {
    return make('pool-timeout', false, false, 'any-statement', 'no connection to this instance became free in time');
  }
  if (error instanceof PoolSaturatedError) {
    return make('pool-saturated', false, false, 'any-statement', "this instance's pool has too many waiters");
  }
  // The caller checks whether the whole client is closing; an instance's pool closes when it leaves.
  if (error instanceof PoolClosedError) return make('pool-closed', false, false, 'any-statement', "this instance's pool is closed");
  if (error instanceof ParameterError) return make('client', false, false, 'never', 'a parameter cannot be sent; nothing was sent');
  if (error instanceof TypeConversionError) {
    return make('client', false, false, 'never', 'the statement ran, but its result could not be converted');
  }
  if (error instanceof ConfigError) return make('client', false, false, 'never', 'invalid options; nothing was sent');
  if (error instanceof ExecuteManyError) return make('client', false, false, 'never', 'some statements of a batch failed; the error says which');
  return make('unknown', true, false, 'never', `an unexpected error: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Whether a statement failed only because its session was dropped for another caller's deadline or abort
 * (see {@link SessionDroppedError}).
 */
export function isDroppedSession(error: unknown): error is ConnectionError {
  return error instanceof SessionDroppedError || (error instanceof ConnectionError && error.cause instanceof SessionDroppedError);
}

/**
 * Classifies a server error by SQLSTATE and, for Picodata's catch-all XX000, by message text.
 *
 * @example classifyServerError('XX000', 'There is no active replicas in replicaset r1').kind // 'server-transient'
 */
export function classifyServerError(code: string, message: string): FailureClass {
  if (code === '28P01' || code === '28000') return auth();
  if (code === '42999') {
    // Picodata with pico_stmt_invalidation: a DDL invalidated the prepared statement before it ran.
    return make('statement-invalidated', false, false, 'any-statement', 'the prepared statement was invalidated by a schema change before it ran');
  }
  if (code === '40001' || code === '40P01') {
    return make('rolled-back', false, false, 'any-statement', 'the statement was rolled back (serialization failure or deadlock)');
  }
  if (code === '57P03' || code === '53300') {
    return make('server-unavailable', false, true, 'any-statement', 'the instance refused the session (starting up or out of connections)');
  }
  if (INSTANCE_GOING_AWAY.has(code)) {
    return make('server-unavailable', true, true, 'reads-and-idempotent', `the instance failed while running the statement (SQLSTATE ${code}); it may have run`);
  }
  if (code === '58030') {
    // Picodata's I/O error: something inside the cluster failed, not the instance the client talks to.
    return make('server-transient', true, false, 'reads-and-idempotent', 'an I/O error inside the cluster (58030); the statement may have been applied in part');
  }
  if (code.startsWith('08')) {
    // 08P01 answers a malformed message, e.g. a Bind with the wrong number of parameters: the caller's
    // mistake, which says nothing about the instance and would fail the same way everywhere.
    return make('rejected', false, false, 'never', `the server rejected the message as invalid (SQLSTATE ${code})`);
  }
  if (code === '0A000') return make('rejected', false, false, 'never', 'the server does not support this (0A000)');
  if (code.startsWith('22')) return make('rejected', false, false, 'never', `a parameter value is invalid (SQLSTATE ${code})`);
  if (code.startsWith('42')) return make('rejected', false, false, 'never', `the statement is invalid (SQLSTATE ${code})`);
  if (code === '54000' || code === '54001') return make('limit', false, false, 'never', `a server limit was hit (SQLSTATE ${code})`);
  if (code === 'XX000') {
    for (const [re, kind, reason] of XX000_DETERMINISTIC) if (re.test(message)) return make(kind, false, false, 'never', reason);
    if (XX000_TRANSIENT.some((re) => re.test(message))) {
      // A multi-shard write may have been applied on some replicasets before the failure.
      return make('server-transient', true, false, 'reads-and-idempotent', 'a routing error inside the cluster; the statement may have been applied in part');
    }
  }
  return make('server-error', false, false, 'never', `the server rejected the statement (SQLSTATE ${code})`);
}

function auth(): FailureClass {
  return make('auth', false, false, 'never',
    'authentication failed; never retried, on any instance: Picodata locks the user after auth_login_attempt_max (default 4) failures');
}

function make(kind: FailureKind, uncertain: boolean, instanceFault: boolean, retryable: Retryable, reason: string): FailureClass {
  return { kind, uncertain, instanceFault, retryable, reason };
}
