import type { DatabaseError } from 'pg-protocol';
import { AbortError, AuthenticationError, ConnectionError, PicotsError, ServerError, SessionDroppedError, TimeoutError } from '../errors.js';

/**
 * The typed error for an ErrorResponse. Only strings are copied out of the message, so the error keeps
 * no reference to the parser's buffers.
 */
export function serverError(msg: DatabaseError, address: string): ServerError {
  const code = msg.code ?? 'XX000';
  const fields = { severity: msg.severity, detail: msg.detail, hint: msg.hint, position: msg.position };
  return code === '28P01'
    ? new AuthenticationError(code, msg.message, fields, address)
    : new ServerError(code, msg.message, fields, address);
}

/** The error for a FATAL ErrorResponse, or one that came with no query waiting: the session is over. */
export function sessionEndedError(msg: DatabaseError, address: string): ConnectionError {
  return new ConnectionError(`the server ended the session: ${msg.message} (SQLSTATE ${msg.code ?? '?'})`, {
    phase: 'sent',
    mayHaveReachedServer: true,
    instance: address,
  });
}

/**
 * The error each affected query gets when its connection goes away: `sent` says whether the query was
 * written (then its outcome is unknown: Picodata autocommits, so it may have been applied), `receiving`
 * whether a reply for it had arrived.
 */
export function lostQueryError(base: Error, sent: boolean, receiving: boolean, address: string, skipped = false): Error {
  const what = base.message.replace(/ \(instance [^)]*\)$/, '');
  if (skipped) {
    return new ConnectionError(`${what}; the query did not run (the server skipped it after an error earlier in its pipeline)`, { phase: 'sent', mayHaveReachedServer: false, instance: address, cause: base });
  }
  if (!sent) {
    return new ConnectionError(`${what}; the query was not sent`, { phase: 'acquire', mayHaveReachedServer: false, instance: address, cause: base });
  }
  const phase = receiving ? 'result' : 'sent';
  if (base instanceof ConnectionError && base.phase === phase && base.mayHaveReachedServer) return base;
  if (base instanceof PicotsError) {
    return new ConnectionError(`${what}; the outcome of the query is unknown`, { phase, mayHaveReachedServer: true, instance: address, cause: base });
  }
  return base;
}

/**
 * A query's deadline or abort while the server had skipped it (an earlier statement of its Sync window
 * failed): it never ran, and nothing needs to be destroyed.
 */
export function skippedQueryLostError(kind: 'timeout' | 'abort', ms: number | undefined, address: string, reason: unknown): Error {
  const why = 'the server skipped it after an error earlier in its pipeline, and it was not sent again';
  return kind === 'timeout'
    ? new TimeoutError(`query timed out after ${Math.round(ms ?? 0)} ms; it did not run (${why})`, { phase: 'sent', mayHaveReachedServer: false, instance: address })
    : new AbortError(`the query was aborted; it did not run (${why})`, { phase: 'sent', mayHaveReachedServer: false, instance: address, cause: reason });
}

/** A query's deadline or abort fired before it was written: withdrawn, nothing reached the server. */
export function unsentDeadlineError(kind: 'timeout' | 'abort', ms: number | undefined, address: string, reason: unknown): Error {
  return kind === 'timeout'
    ? new TimeoutError(`query timed out after ${Math.round(ms ?? 0)} ms before it was sent`, { phase: 'acquire', mayHaveReachedServer: false, instance: address })
    : new AbortError('the query was aborted before it was sent', { phase: 'acquire', mayHaveReachedServer: false, instance: address, cause: reason });
}

/** A query's deadline or abort fired after it was written: its session is dropped, and it may have run. */
export function sentDeadlineError(kind: 'timeout' | 'abort', ms: number | undefined, phase: 'sent' | 'result', address: string, reason: unknown): Error {
  const message = `query ${deadlineWhat(kind, ms)} after it was sent; the connection was destroyed (Picodata cannot cancel a statement) and the statement may have been executed`;
  return kind === 'timeout'
    ? new TimeoutError(message, { phase, mayHaveReachedServer: true, instance: address })
    : new AbortError(message, { phase, mayHaveReachedServer: true, instance: address, cause: reason });
}

/** Why the session was dropped, for the queries pipelined next to the one whose deadline fired. */
export function droppedForNeighbourError(kind: 'timeout' | 'abort', ms: number | undefined, address: string): SessionDroppedError {
  return new SessionDroppedError(`the connection was destroyed because another query pipelined on it ${deadlineWhat(kind, ms)}; the outcome of this query is unknown`, {
    phase: 'sent',
    mayHaveReachedServer: true,
    instance: address,
  });
}

function deadlineWhat(kind: 'timeout' | 'abort', ms: number | undefined): string {
  return kind === 'timeout' ? `timed out after ${Math.round(ms ?? 0)} ms` : 'was aborted';
}
