import { serialize } from 'pg-protocol';
import { ParameterError } from '../errors.js';
import { bindSize, writeBind } from './bind-message.js';
import type { PendingQuery } from './pending-query.js';
import type { StatementCache } from './statement-cache.js';

const EXECUTE = serialize.execute();
const DESCRIBE_AND_EXECUTE = Buffer.concat([serialize.describe({ type: 'P' }), EXECUTE]);

/**
 * Settles every message a query will write, at the moment it is accepted, so that anything that can fail
 * does so in the caller's own call, before the query is queued: pg-protocol's serializer shares one writer
 * between all connections, and a failure halfway through a message would otherwise corrupt the next message
 * any connection sends. Picks or creates the cached statement; a new one is prepared by this query (Parse +
 * Describe), an evicted one is closed in the same write. The Bind is sized here and written in place with
 * the rest of its window (see {@link writeQuery}).
 *
 * @throws {ParameterError} when the cached statement is known to take a different number of parameters,
 *   or the parameters do not fit in one message; nothing is changed then.
 */
export function buildQueryMessage(q: PendingQuery, cache: StatementCache | undefined): void {
  try {
    buildInto(q, cache);
  } catch (error) {
    // The shared writer may hold part of a message: flushing it into a message that is thrown away
    // leaves it empty for the next caller.
    serialize.query('');
    // A statement this query added to the cache (it would Parse it) never reaches the server: take it out.
    if (q.parses && q.statement !== undefined) cache?.deleteByName(q.statement.name);
    q.clearMessages();
    q.statement = undefined;
    throw error;
  }
}

function buildInto(q: PendingQuery, cache: StatementCache | undefined): void {
  let head: Buffer[] | undefined;
  if (q.closeFirst !== undefined) {
    head = [serialize.close({ type: 'S', name: q.closeFirst })];
    q.closeFirst = undefined;
  }
  if (cache !== undefined && q.prepare) {
    let statement = cache.get(q.sql);
    if (statement !== undefined && statement.paramCount !== undefined && statement.paramCount !== q.params.length) {
      throw new ParameterError(
        `the statement takes ${statement.paramCount} parameter${statement.paramCount === 1 ? '' : 's'}, got ${q.params.length}`,
      );
    }
    if (statement === undefined) {
      const fresh = cache.add(q.sql);
      statement = fresh.statement;
      q.statement = statement;
      head ??= [];
      if (fresh.evicted !== undefined) head.push(serialize.close({ type: 'S', name: fresh.evicted.name }));
      head.push(serialize.parse({ name: statement.name, text: q.sql }), serialize.describe({ type: 'S', name: statement.name }));
      q.parses = true;
    }
    q.bindSize = bindSize(statement.name, q.params);
    q.prepareParts = head === undefined ? 0 : head.length;
    q.statement = statement;
    q.bindName = statement.name;
    q.tail = EXECUTE;
  } else {
    q.parses = true;
    q.prepareParts = head === undefined ? 0 : head.length;
    (head ??= []).push(serialize.parse({ text: q.sql }));
    q.bindSize = bindSize('', q.params);
    q.bindName = '';
    q.tail = DESCRIBE_AND_EXECUTE;
  }
  if (head !== undefined) q.head = head;
  if (cache !== undefined) q.cacheMark = cache.lastId;
}

/** The bytes {@link writeQuery} writes for `q`. */
export function querySize(q: PendingQuery): number {
  let size = q.bindSize === 0 ? 0 : q.bindSize + q.tail.length;
  const head = q.head;
  for (let i = 0; i < head.length; i++) size += head[i]!.length;
  return size;
}

/** Writes `q`'s messages into `buf` at `at` (sized with {@link querySize}); returns the offset after them. */
export function writeQuery(q: PendingQuery, buf: Buffer, at: number): number {
  const head = q.head;
  for (let i = 0; i < head.length; i++) at += head[i]!.copy(buf, at);
  if (q.bindSize === 0) return at;
  at = writeBind(buf, at, q.bindName, q.params);
  return at + q.tail.copy(buf, at);
}

/**
 * Makes a query that was withdrawn before it ran write only the preparation of a statement that later
 * queries, already built, refer to (Close?, Parse, Describe, and nothing that executes; the pipeline ends a
 * Sync window after it). False when it prepares nothing, and can simply be dropped.
 */
export function keepPreparationOnly(q: PendingQuery): boolean {
  if (q.prepareParts === 0) return false;
  q.head = q.head.slice(0, q.prepareParts);
  q.bindSize = 0;
  return true;
}
