/**
 * The backend messages the gateway writes itself instead of PostgreSQL, shaped as Picodata sends them:
 * an ErrorResponse carries only severity, SQLSTATE and message, ReadyForQuery is always `I`, and the
 * ParameterStatus set is Picodata's. The fixed ones are built once: a session only copies references.
 */

/** The answer to an SSLRequest from a server with TLS off. */
export const SSL_REFUSED: Buffer = Buffer.from('N', 'latin1');

/** An ErrorResponse with only the fields Picodata fills: `S`, `C`, `M`. */
export function errorResponse(code: string, message: string, severity = 'ERROR'): Buffer {
  return typed('E', Buffer.from(`S${severity}\0C${code}\0M${message}\0\0`, 'utf8'));
}

/** ReadyForQuery; Picodata always reports `I` (idle), having no transactions. */
export function readyForQuery(status: 'I' | 'T' | 'E' = 'I'): Buffer {
  return typed('Z', Buffer.from(status, 'latin1'));
}

/** The only ReadyForQuery Picodata sends. */
export const READY_IDLE: Buffer = readyForQuery('I');
export const PARSE_COMPLETE: Buffer = typed('1', Buffer.alloc(0));
export const BIND_COMPLETE: Buffer = typed('2', Buffer.alloc(0));
export const CLOSE_COMPLETE: Buffer = typed('3', Buffer.alloc(0));
export const NO_DATA: Buffer = typed('n', Buffer.alloc(0));
/** Describe of a statement without parameters or rows: ParameterDescription (none), then NoData. */
export const NO_PARAMETERS_NO_DATA: Buffer = Buffer.concat([typed('t', Buffer.alloc(2)), NO_DATA]);

/** The ParameterStatus messages Picodata sends after authentication, in its order (src/pgproto.rs). */
export const PICODATA_PARAMETERS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['server_version', '15.0'],
  ['server_encoding', 'UTF8'],
  ['client_encoding', 'UTF8'],
  ['DateStyle', 'ISO, MDY'],
  ['integer_datetimes', 'on'],
  ['TimeZone', 'UTC'],
];

/** {@link PICODATA_PARAMETERS} as one buffer of ParameterStatus messages. */
export const PICODATA_PARAMETER_STATUS: Buffer = Buffer.concat(
  PICODATA_PARAMETERS.map(([name, value]) => typed('S', Buffer.from(`${name}\0${value}\0`, 'utf8'))),
);

/** The command tags of the statements Picodata accepts and ignores (END is a COMMIT). */
export type NoOpTag = 'BEGIN' | 'COMMIT' | 'ROLLBACK' | 'SET';

const COMMAND_COMPLETE: Readonly<Record<NoOpTag, Buffer>> = {
  BEGIN: typed('C', Buffer.from('BEGIN\0', 'latin1')),
  COMMIT: typed('C', Buffer.from('COMMIT\0', 'latin1')),
  ROLLBACK: typed('C', Buffer.from('ROLLBACK\0', 'latin1')),
  SET: typed('C', Buffer.from('SET\0', 'latin1')),
};

/** CommandComplete for a statement Picodata accepts and ignores. */
export function noOpComplete(tag: NoOpTag): Buffer {
  return COMMAND_COMPLETE[tag];
}

/** Picodata's SQLSTATE for parse errors (and every other SQL-engine error). */
export const PARSE_ERROR_CODE = 'XX000';

/**
 * An ErrorResponse with Picodata's parse error: its SQL parser (sbroad, built on pest) reports every
 * failure with SQLSTATE XX000 (see FACTS.md, "Errors") and pest's layout, e.g.
 * ```
 * sbroad: rule parsing error:  --> 1:11
 *   |
 * 1 | SELECT 1; SELECT 2
 *   |           ^---
 *   |
 *   = expected EOI
 * ```
 * `at` is the offset pest stops at; `expected` is its list of what would have fitted there.
 */
export function parseError(sql: string, at: number, expected: string): Buffer {
  const before = sql.slice(0, at);
  const lineNumber = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1) + 1;
  const line = sql.split('\n')[lineNumber - 1] ?? '';
  const gutter = ' '.repeat(String(lineNumber).length);
  const message = [
    `sbroad: rule parsing error:  --> ${lineNumber}:${column}`,
    `${gutter} |`,
    `${lineNumber} | ${line}`,
    `${gutter} | ${' '.repeat(column - 1)}^---`,
    `${gutter} |`,
    `${gutter} = expected ${expected}`,
  ].join('\n');
  return errorResponse(PARSE_ERROR_CODE, message);
}

/**
 * What Picodata answers to a Query message holding several statements: the parser expects the end of
 * input after the first one. `at` is where the second statement starts. Includes the ReadyForQuery.
 */
export function multiStatementError(sql: string, at: number): Buffer {
  return Buffer.concat([parseError(sql, at, 'EOI'), READY_IDLE]);
}

/**
 * Picodata's answer to a message it reads but does not handle (CopyData, CopyDone, CopyFail, a password
 * message after the login): 0A000 with the message's debug form.
 */
export function featureNotSupported(what: string): Buffer {
  return errorResponse('0A000', `feature is not supported: ${what}`);
}

/**
 * Picodata's answer to a message type its decoder does not know (FunctionCall among them): an IO error,
 * after which it closes the connection. The misspelling is the decoder's own.
 */
export function unknownMessageType(typeByte: number): Buffer {
  return errorResponse('58030', `IO error: Invalid message recevied, received ${typeByte}`);
}

function typed(type: string, body: Buffer): Buffer {
  const message = Buffer.alloc(5 + body.length);
  message.write(type, 0, 'latin1');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}
