import { ExecuteManyError } from '../errors.js';
import { validateParamSets, validateQueryArgs } from './query-args.js';
import type { ExecuteResult, QueryOptions, QueryParams, QueryResult } from './query-types.js';

/** Any class, abstract or not: what {@link withQueryMethods} can extend. */
export type AbstractConstructor<T = object> = abstract new (...args: any[]) => T;

/**
 * Adds the picopyn-style helpers (`execute`, `fetch`, `fetchrow`, `fetchval`, `executemany`) on top of an
 * abstract `query()`, to any base class. A mixin rather than a base class, so that an event emitter (the
 * cluster `Pool`, a `Connection`) and a plain object (`PoolConnection`) share the same helpers.
 */
export function withQueryMethods<Opts extends QueryOptions, TBase extends AbstractConstructor>(Base: TBase) {
  abstract class WithQueryMethods extends Base {
    /** Runs one statement and returns the whole result. */
    abstract query<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: Opts): Promise<QueryResult<Row>>;

    /**
     * Runs a statement for its effect.
     * @example `const { rowCount } = await db.execute('UPDATE t SET a = $1 WHERE id = $2', [1, 7])`
     */
    execute(sql: string, params?: QueryParams, options?: Opts): Promise<ExecuteResult> {
      return this.query(sql, params, options).then(toExecuteResult);
    }

    /**
     * Returns every row.
     * @example `const rows = await db.fetch<{ id: number }>('SELECT id FROM t WHERE a > $1', [5])`
     */
    fetch<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: Opts): Promise<Row[]> {
      return this.query<Row>(sql, params, options).then(toRows);
    }

    /**
     * Returns the first row, or `null` when there is none.
     * @example `const user = await db.fetchrow<{ name: string }>('SELECT name FROM users WHERE id = $1', [id])`
     */
    fetchrow<Row = Record<string, unknown>>(sql: string, params?: QueryParams, options?: Opts): Promise<Row | null> {
      return this.query<Row>(sql, params, options).then(firstRow);
    }

    /**
     * Returns the first column of the first row, or `null` when there is no row.
     * @example `const n = await db.fetchval<number>('SELECT count(*) FROM t')`
     */
    fetchval<T = unknown>(sql: string, params?: QueryParams, options?: Opts): Promise<T | null> {
      return this.query<unknown[]>(sql, params, fetchvalOptions(options)).then(firstValue) as Promise<T | null>;
    }

    /**
     * Runs one statement once per parameter set, all pipelined. Picodata autocommits each one: when some fail,
     * the others are still applied, and the {@link ExecuteManyError} says which is which. `paramSets` that is
     * not an array of arrays rejects with a ParameterError before any statement runs.
     * @example `await db.executemany('INSERT INTO t VALUES ($1, $2)', [[1, 'a'], [2, 'b']])`
     */
    async executemany(sql: string, paramSets: readonly QueryParams[], options?: Opts): Promise<ExecuteResult[]> {
      validateParamSets(paramSets);
      validateQueryArgs(sql, undefined, options);
      const settled = await Promise.allSettled(paramSets.map((params) => this.query(sql, params, options)));
      const results: Array<ExecuteResult | undefined> = [];
      const errors: Array<Error | undefined> = [];
      let failed = false;
      for (const s of settled) {
        if (s.status === 'fulfilled') {
          results.push(toExecuteResult(s.value));
          errors.push(undefined);
        } else {
          failed = true;
          results.push(undefined);
          errors.push(s.reason instanceof Error ? s.reason : new Error(String(s.reason)));
        }
      }
      if (failed) throw new ExecuteManyError(results, errors);
      return results as ExecuteResult[];
    }
  }
  return WithQueryMethods;
}

/**
 * The query surface shared by connections: each implements `query()`, and the picopyn-style helpers are
 * defined once on top of it. A plain base: it is not an event emitter.
 */
export abstract class QueryMethods extends withQueryMethods<QueryOptions, typeof Object>(Object) {}

/** fetchval's options when the caller gave none: shared, frozen, so no call allocates or changes it. */
const ARRAY_ROWS = Object.freeze({ rowMode: 'array' as const });

/** fetchval's options: the caller's, with array rows. Anything but an object is left as it is, for query() to reject with a typed error. */
export function fetchvalOptions<Opts>(options: Opts | undefined): Opts {
  return (options === undefined ? ARRAY_ROWS : typeof options === 'object' && options !== null ? { ...options, rowMode: 'array' } : options) as Opts;
}

/*
 * What each helper makes of query()'s result. Exported for a class that settles the helpers' promises
 * itself (the cluster pool), so that every query surface gives the same values.
 */

export function firstValue(r: QueryResult<unknown[]>): unknown {
  return r.rows.length > 0 ? r.rows[0]![0] : null;
}

export function toExecuteResult(r: QueryResult<unknown>): ExecuteResult {
  return { command: r.command, rowCount: r.rowCount };
}

export function toRows<Row>(r: QueryResult<Row>): Row[] {
  return r.rows;
}

export function firstRow<Row>(r: QueryResult<Row>): Row | null {
  return r.rows.length > 0 ? r.rows[0]! : null;
}
