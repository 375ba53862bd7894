import type { QueryResult } from './query-types.js';

/**
 * Where one query's outcome goes: exactly one of the two is called, once, from the connection's reply
 * handling or a deadline's timer, and neither may throw. The cluster pool's statements use it to settle
 * their caller's one promise from the reply itself, instead of one promise per layer (connection, lease,
 * router), each with its own reaction to run.
 */
export interface QuerySink {
  ok(result: QueryResult<unknown>): void;
  fail(error: Error): void;
}

/** The sink of a query whose caller holds a promise: its resolve and reject. */
export class PromiseSink implements QuerySink {
  constructor(
    readonly ok: (result: QueryResult<unknown>) => void,
    readonly fail: (error: Error) => void,
  ) {}
}
