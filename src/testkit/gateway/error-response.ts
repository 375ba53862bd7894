import { errorResponse } from './gateway-replies.js';

/**
 * PostgreSQL's ErrorResponse made Picodata's: Picodata fills only severity (always `ERROR`), SQLSTATE and
 * message, and reports everything from its SQL engine or cluster as XX000 (FACTS.md, "Errors"), where
 * PostgreSQL has a code per cause (23505 duplicate key, 42P01 missing table, 42601 syntax, ...). An
 * application that branches on those codes would pass on the stand-in and fail on Picodata.
 *
 * The codes Picodata's protocol layer uses itself, with PostgreSQL's same meaning, are kept. The message
 * stays PostgreSQL's: the stand-in cannot word it as Picodata's engine would (a client classifying
 * Picodata's errors by message text needs Picodata's wording, see the README's table), except for a
 * failed login, whose wording Picodata fixes.
 */

const KEPT_CODES: ReadonlySet<string> = new Set([
  '28000', // TLS required / no such login path
  '08P01', // protocol violation
  '0A000', // feature not supported
  '22P02', // invalid text representation (a parameter value)
  '22P03', // invalid binary representation
  '42P05', // duplicate prepared statement
  '42P03', // duplicate portal
]);

/**
 * The ErrorResponse Picodata would send for PostgreSQL's ErrorResponse `body` (its fields, without type
 * and length); `user` is the login name, for the 28P01 wording.
 */
export function picodataError(body: Buffer, user: string): Buffer {
  let code = 'XX000';
  let message = '';
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const end = body.indexOf(0, pos + 1);
    const stop = end < 0 ? body.length : end;
    const field = body[pos];
    if (field === 0x43) code = body.toString('latin1', pos + 1, stop); // C
    else if (field === 0x4d) message = body.toString('utf8', pos + 1, stop); // M
    pos = stop + 1;
  }
  if (code === '28P01') return errorResponse('28P01', `authentication failed for user '${user}'`);
  return errorResponse(KEPT_CODES.has(code) ? code : 'XX000', message);
}
