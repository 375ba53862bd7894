import type { FieldInfo } from './query-types.js';

/** A named prepared statement that lives on one connection. */
export interface PreparedStatement {
  /** Increases with every statement this cache creates; `name` is `picots_<id>`. */
  readonly id: number;
  readonly name: string;
  readonly sql: string;
  /** Column descriptions, known once the Describe reply arrives; `[]` for statements without rows. */
  fields: FieldInfo[] | undefined;
  /** How many parameters the statement takes, known once the ParameterDescription reply arrives. */
  paramCount: number | undefined;
  /** Set when its Parse failed: queries pipelined behind it get this error instead of "does not exist". */
  parseError: Error | undefined;
  /** Decoders built for this statement, keyed by row mode and int8 mode. */
  decoders: Map<string, unknown> | undefined;
  /** The cache's use counter at this statement's last use: the least recently used has the lowest. */
  lastUsed: number;
}

/**
 * A bounded LRU of prepared statements, keyed by SQL text. Picodata keeps statements per instance and shares
 * that storage (`pg_statement_max`) between all clients, so every statement evicted here must be closed on
 * the server: {@link take} hands back what fell out, and the connection sends Close for it.
 */
export class StatementCache {
  private readonly entries = new Map<string, PreparedStatement>();
  private counter = 0;
  /** Increases with every use; a stamp per use instead of re-inserting into the Map keeps a hit to one lookup. */
  private uses = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The id of the newest statement created so far (0 before the first). */
  get lastId(): number {
    return this.counter;
  }

  /** Looks a statement up and marks it most recently used. */
  get(sql: string): PreparedStatement | undefined {
    const entry = this.entries.get(sql);
    if (entry !== undefined) entry.lastUsed = ++this.uses;
    return entry;
  }

  /** Adds a new statement; returns the one evicted to make room, if any. */
  add(sql: string): { statement: PreparedStatement; evicted: PreparedStatement | undefined } {
    const id = ++this.counter;
    const statement: PreparedStatement = {
      id,
      name: `picots_${id}`,
      sql,
      fields: undefined,
      paramCount: undefined,
      parseError: undefined,
      decoders: undefined,
      lastUsed: ++this.uses,
    };
    let evicted: PreparedStatement | undefined;
    if (this.entries.size >= this.capacity) {
      // A scan, only when a new statement meets a full cache: hits, the common case, stay O(1).
      for (const candidate of this.entries.values()) {
        if (evicted === undefined || candidate.lastUsed < evicted.lastUsed) evicted = candidate;
      }
      if (evicted !== undefined) this.entries.delete(evicted.sql);
    }
    this.entries.set(sql, statement);
    return { statement, evicted };
  }

  /** Forgets a statement (its Parse failed, or the server invalidated it). */
  delete(statement: PreparedStatement): boolean {
    if (this.entries.get(statement.sql) !== statement) return false;
    this.entries.delete(statement.sql);
    return true;
  }

  /** Forgets the statement with this server-side name, if it is one of ours. */
  deleteByName(name: string): void {
    for (const statement of this.entries.values()) {
      if (statement.name === name) {
        this.entries.delete(statement.sql);
        return;
      }
    }
  }

  /** Forgets every statement created up to `id` (a `DEALLOCATE ALL` that ran after them removed them). */
  deleteUpTo(id: number): void {
    for (const statement of [...this.entries.values()]) {
      if (statement.id <= id) this.entries.delete(statement.sql);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The statement name in `DEALLOCATE [PREPARE] name`, folded to lower case unless quoted. */
export function deallocatedName(sql: string): string | undefined {
  const m = /^\s*deallocate\s+(?:prepare\s+)?(?:"((?:[^"]|"")+)"|([^\s;"]+))\s*;?\s*$/i.exec(sql);
  if (m === null) return undefined;
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase();
}
