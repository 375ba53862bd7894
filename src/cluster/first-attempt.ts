import type { QueryParams, QueryResult } from '../protocol/query-types.js';
import type { QuerySink } from '../protocol/query-sink.js';
import type { RetryBudget } from '../failover/retry-budget.js';
import type { Clock } from './clock.js';
import type { ResultMap, RouteProgress, RoutableMember, StatementRoute } from './router.js';
import type { Running } from './running-work.js';

/**
 * A statement's first attempt, as the sink its connection reports to. Most statements succeed at once:
 * for them this one object does what the router's retry loop would (latency, retry budget, the instance's
 * counts) and settles the caller's promise, with no promise or async frame of its own. A failure goes back
 * to the router (`onFailure`) with everything the retry loop needs to go on from attempt 2.
 */
export class FirstAttempt<M extends RoutableMember> implements QuerySink {
  constructor(
    readonly member: M,
    readonly run: Running,
    readonly t0: number,
    readonly clock: Clock,
    readonly budget: RetryBudget,
    readonly onFailure: (attempt: FirstAttempt<M>, error: unknown) => void,
    /** What the caller gets of the result; the whole result when undefined. */
    readonly map: ResultMap<unknown> | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    // What the retry loop goes on with.
    readonly session: string,
    readonly sql: string,
    readonly params: QueryParams | undefined,
    readonly route: StatementRoute,
    readonly served: { onOwner: boolean } | undefined,
    readonly progress: RouteProgress<M> | undefined,
    /** When the statement's deadline started, on `clock` (0 without a deadline). */
    readonly started: number,
  ) {}

  ok(result: QueryResult<unknown>): void {
    const member = this.member;
    recordServed(member, this.t0, this.clock, this.budget);
    member.running.end(this.run);
    const map = this.map;
    this.resolve(map === undefined ? result : map(result));
  }

  fail(error: unknown): void {
    this.member.running.end(this.run);
    this.onFailure(this, error);
  }
}

/** An attempt placed on `member` at `t0` was answered: its latency, a retry-budget deposit, one more served. */
export function recordServed(member: RoutableMember, t0: number, clock: Clock, budget: RetryBudget): void {
  const t1 = clock.now();
  member.latency.record(t1 - t0);
  budget.recordSuccess(t1);
  member.served++;
}
