import { SelectQueryNode, type RootOperationNode } from 'kysely';
import type { OperationNode } from 'kysely';

/**
 * True when Kysely built `node` as a plain read: a `SelectQueryNode` whose common table expressions are
 * reads too (a `WITH x AS (DELETE ... RETURNING *) SELECT ...` is a write). Such a statement is sent with
 * picots' `readOnly: true`, so a failure after it was sent is retried on another instance.
 *
 * Everything else (inserts, updates, deletes, DDL, raw `sql` templates) answers false, and picots falls
 * back to its own guess from the SQL text. A SELECT that calls a function with side effects is still
 * marked a read: write it as raw `sql` if a retry would be harmful.
 *
 * @example
 * ```ts
 * isReadOnlyQuery(db.selectFrom('person').selectAll().toOperationNode()) // true
 * isReadOnlyQuery(db.deleteFrom('person').toOperationNode())             // false
 * ```
 */
export function isReadOnlyQuery(node: RootOperationNode | OperationNode): boolean {
  if (!SelectQueryNode.is(node)) return false;
  return (node.with?.expressions ?? []).every((cte) => isReadOnlyQuery(cte.expression));
}
