/**
 * The few backend messages the gateway writes itself instead of PostgreSQL, shaped as Picodata sends
 * them: an ErrorResponse carries only severity, SQLSTATE and message, and ReadyForQuery is always `I`.
 */

/** The answer to an SSLRequest from a server with TLS off. */
export const SSL_REFUSED: Buffer = Buffer.from('N', 'latin1');

/** An ErrorResponse with only the fields Picodata fills: `S`, `C`, `M`. */
export function errorResponse(code: string, message: string, severity = 'ERROR'): Buffer {
  const fields = Buffer.from(`S${severity}\0C${code}\0M${message}\0\0`, 'utf8');
  return typed('E', fields);
}

/** ReadyForQuery; Picodata always reports `I` (idle), having no transactions. */
export function readyForQuery(status: 'I' | 'T' | 'E' = 'I'): Buffer {
  return typed('Z', Buffer.from(status, 'latin1'));
}

/**
 * What Picodata answers to a Query message holding several statements: its SQL parser (sbroad, built on
 * pest) expects the end of input after the first statement. Picodata reports every SQL-engine error with
 * SQLSTATE XX000 (see FACTS.md, "Errors"), and the message has pest's layout, e.g.
 * ```
 * sbroad: rule parsing error:  --> 1:11
 *   |
 * 1 | SELECT 1; SELECT 2
 *   |           ^---
 *   |
 *   = expected EOI
 * ```
 * `at` is where the second statement starts.
 */
export function multiStatementError(sql: string, at: number): Buffer {
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
    `${gutter} = expected EOI`,
  ].join('\n');
  return Buffer.concat([errorResponse(PARSE_ERROR_CODE, message), readyForQuery('I')]);
}

/** Picodata's SQLSTATE for parse errors (and every other SQL-engine error). */
export const PARSE_ERROR_CODE = 'XX000';

function typed(type: string, body: Buffer): Buffer {
  const message = Buffer.alloc(5 + body.length);
  message.write(type, 0, 'latin1');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}
