import { serialize } from 'pg-protocol';
import { ParameterError } from '../errors.js';
import { bindMessage } from './bind-message.js';
import type { PendingQuery } from './pending-query.js';
import type { StatementCache } from './statement-cache.js';

const EXECUTE = serialize.execute();
const DESCRIBE_PORTAL = serialize.describe({ type: 'P' });


/**
 * Builds every message a query will write (into `q.parts`), at the moment it is accepted, so that anything
 * that can fail does so in the caller's own call, before the query is queued: pg-protocol's serializer
 * shares one writer between all connections, and a failure halfway through a message would otherwise
 * corrupt the next message any connection sends. Picks or creates the cached statement; a new one is
 * prepared by this query (Parse + Describe), an evicted one is closed in the same write.
 *
 * @throws {ParameterError} when the cached statement is known to take a different number of parameters,
 *   or the parameters do not fit in one message; nothing is changed then.
 */
export function buildQueryMessage(q: PendingQuery, cache: StatementCache | undefined): void {
  let added: { name: string; sql: string } | undefined;
  try {
    buildInto(q, cache, (statement) => (added = statement));
  } catch (error) {
    // The shared writer may hold part of a message: flushing it into a message that is thrown away
    // leaves it empty for the next caller.
    serialize.query('');
    if (added !== undefined) cache?.deleteByName(added.name);
    q.parts = [];
    q.statement = undefined;
    throw error;
  }
}

function buildInto(q: PendingQuery, cache: StatementCache | undefined, onAdded: (s: { name: string; sql: string }) => void): void {
  const parts: Buffer[] = [];
  if (q.closeFirst !== undefined) {
    parts.push(serialize.close({ type: 'S', name: q.closeFirst }));
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
      const added = cache.add(q.sql);
      statement = added.statement;
      onAdded(statement);
      if (added.evicted !== undefined) parts.push(serialize.close({ type: 'S', name: added.evicted.name }));
      parts.push(serialize.parse({ name: statement.name, text: q.sql }), serialize.describe({ type: 'S', name: statement.name }));
      q.parses = true;
    }
    q.prepareParts = parts.length;
    q.statement = statement;
    parts.push(bindMessage(statement.name, q.params), EXECUTE);
  } else {
    q.parses = true;
    q.prepareParts = parts.length;
    parts.push(serialize.parse({ text: q.sql }), bindMessage('', q.params), DESCRIBE_PORTAL, EXECUTE);
  }
  if (cache !== undefined) q.cacheMark = cache.lastId;
  q.parts = parts;
}

/**
 * What a query that was withdrawn before it ran still has to send: the preparation of a statement that
 * later queries, already built, refer to (Close?, Parse, Describe, and nothing that executes; the pipeline
 * ends a Sync window after it). `undefined` when it prepares nothing, and can simply be dropped.
 */
export function preparationOnly(q: PendingQuery): Buffer[] | undefined {
  if (q.prepareParts === 0) return undefined;
  return q.parts.slice(0, q.prepareParts);
}
