import type { NoOpTag } from './gateway-replies.js';

/**
 * Which statements the gateway answers itself because Picodata treats them differently from PostgreSQL
 * (FACTS.md, "No transactions"):
 * - bare `BEGIN`, `COMMIT`, `ROLLBACK`, `END` (any case, with `;`s after) parse and do nothing: Picodata
 *   answers CommandComplete with `BEGIN`, `COMMIT` (for END too) or `ROLLBACK`;
 * - `SET ...` replies `SET` and changes nothing (Picodata's grammar takes `SET [SESSION|LOCAL] name = value`,
 *   `SET TIME ZONE ...` and `SET TRANSACTION ...`; the gateway answers every SET so);
 * - any other statement opening with one of those words (`BEGIN WORK`, `COMMIT AND CHAIN`,
 *   `ROLLBACK TO SAVEPOINT s`) and the session and transaction statements its grammar lacks
 *   (`START TRANSACTION`, `SAVEPOINT`, `RELEASE`, `ABORT`, `COPY`, `SHOW`, `RESET`, `DISCARD`, `LISTEN`,
 *   `UNLISTEN`, `NOTIFY`) are parse errors.
 *
 * Picodata's grammar (`query.pest`) skips only spaces, tabs and line breaks between words, not comments.
 */
export type PicodataStatement =
  | { readonly kind: 'no-op'; readonly tag: NoOpTag }
  | { readonly kind: 'parse-error'; readonly at: number; readonly expected: string };

const TRANSACTION_WORDS: ReadonlyMap<string, NoOpTag> = new Map([
  ['begin', 'BEGIN'], ['commit', 'COMMIT'], ['end', 'COMMIT'], ['rollback', 'ROLLBACK'],
]);

const UNKNOWN_WORDS: ReadonlySet<string> = new Set([
  'start', 'savepoint', 'release', 'abort', 'copy', 'show', 'reset', 'discard', 'listen', 'unlisten', 'notify',
]);

// What pest lists when no statement fits at the start (the top alternatives of `Command`, abridged).
const EXPECTED_STATEMENT = 'AnonymousBlock, Query, Explain, CallProc, DDL, ACL, TCL, Plugin, Deallocate, or EOF';

const SPACE = /[ \t\r\n]*/y;
const WORD = /[A-Za-z]+/y;
const END_OF_STATEMENT = /[ \t\r\n]*(?:;[ \t\r\n]*)*$/y;

/**
 * How Picodata treats `sql` where it differs from PostgreSQL; `undefined` for everything else (the
 * statement goes on to PostgreSQL).
 *
 * @example
 * picodataStatement('rollback;')          // { kind: 'no-op', tag: 'ROLLBACK' }
 * picodataStatement('START TRANSACTION')  // { kind: 'parse-error', at: 0, ... }
 * picodataStatement('SET search_path = x') // { kind: 'no-op', tag: 'SET' }
 * picodataStatement('SELECT 1')           // undefined
 */
export function picodataStatement(sql: string): PicodataStatement | undefined {
  SPACE.lastIndex = 0;
  SPACE.exec(sql);
  const start = SPACE.lastIndex;
  WORD.lastIndex = start;
  const word = WORD.exec(sql)?.[0];
  if (word === undefined || word.length > 9) return undefined;
  const lower = word.toLowerCase();
  const tag = TRANSACTION_WORDS.get(lower);
  if (tag !== undefined) {
    const after = start + word.length;
    END_OF_STATEMENT.lastIndex = after;
    if (END_OF_STATEMENT.test(sql)) return { kind: 'no-op', tag };
    // An identifier character right after the word makes it another word (`ending`): not a statement we know.
    if (/[A-Za-z0-9_$]/.test(sql[after] ?? '')) return undefined;
    SPACE.lastIndex = after;
    SPACE.exec(sql);
    return { kind: 'parse-error', at: SPACE.lastIndex, expected: 'EOF' };
  }
  if (lower === 'set' && /[ \t\r\n]/.test(sql[start + word.length] ?? '')) return { kind: 'no-op', tag: 'SET' };
  if (UNKNOWN_WORDS.has(lower) && !/[0-9_$]/.test(sql[start + word.length] ?? '')) {
    return { kind: 'parse-error', at: start, expected: EXPECTED_STATEMENT };
  }
  return undefined;
}
