/**
 * The statements whose command tag carries a row count (PostgreSQL's protocol, which Picodata follows).
 * Any other tag (`CREATE TABLE`, `DROP INDEX`, `GRANT`, …) is the verb alone, and the parsed `rowCount`
 * of 0 means nothing.
 */
const COUNTED = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'MOVE', 'FETCH', 'COPY']);

/** True when `command`'s tag carries a row count. */
export function hasRowCount(command: string): boolean {
  return COUNTED.has(command);
}

/**
 * A statement's command tag as `picots query` prints it: the verb and its count for statements that have
 * one, the verb alone otherwise.
 *
 * @example
 * formatCommandTag('INSERT', 1)       // 'INSERT 1'
 * formatCommandTag('CREATE TABLE', 0) // 'CREATE TABLE'
 */
export function formatCommandTag(command: string, rowCount: number): string {
  if (command === '') return '(empty statement)';
  return hasRowCount(command) ? `${command} ${rowCount}` : command;
}
