/**
 * The Router's failover decisions with fake instances and fake time: no sockets. Each fake instance answers
 * through a script of outcomes, and the clock moves only when a fake attempt says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leastBusy, roundRobin } from '../../src/balance/strategies.js';
import type { ConnectionHandle } from '../../src/cluster/connection-handle.js';
import type { PoolConnection } from '../../src/cluster/pool-connection.js';
import { RunningWork } from '../../src/cluster/running-work.js';
import { Router, type RoutableMember, type RouterIo, type RouterOptions } from '../../src/cluster/router.js';
import {
  ConnectionError, NoInstanceAvailableError, OutcomeUnknownError, PoolTimeoutError, ServerError, SessionDroppedError, TimeoutError,
} from '../../src/errors.js';
import { RetryBudget } from '../../src/failover/retry-budget.js';
import type { QueryResult } from '../../src/protocol/query-types.js';

type Outcome = 'ok' | Error | ((m: FakeMember) => 'ok' | Error);

class FakeMember implements RoutableMember {
  readonly running = new RunningWork();
  readonly oldestRunningMs = 0;
  served = 0;
  calls = 0;
  maxRouted = 0;
  readonly latencies: number[] = [];
  readonly latency = { record: (ms: number) => void this.latencies.push(ms) };
  readonly ref;
  readonly tier = 'default';
  readonly replicasetName = 'r1';
  readonly failureDomain = {};
  readonly state = { variant: 'Online', incarnation: 1 } as const;
  readonly idle = 1;
  readonly total = 1;
  readonly maxConnections = 100;
  readonly latencyMs = undefined;
  outcomes: Outcome[] = [];
  constructor(readonly key: string, readonly takesMs = 5) {
    this.ref = { address: `${key}:4327`, uuid: key, name: key };
  }
  get uuid(): string { return this.key; }
  get name(): string { return this.key; }
  get address(): string { return this.ref.address; }
  get inFlight(): number { return this.running.size; }
  next(): 'ok' | Error {
    this.calls++;
    this.maxRouted = Math.max(this.maxRouted, this.running.size);
    const o = this.outcomes.shift() ?? 'ok';
    return typeof o === 'function' ? o(this) : o;
  }
}

function setup(members: FakeMember[], extra: Partial<RouterOptions<FakeMember>> = {}) {
  let now = 1_000;
  const clock = { now: () => now };
  const failed: Array<[string, Error]> = [];
  const suspects: string[] = [];
  const retries: string[] = [];
  const timeouts: Array<number | undefined> = [];
  const io: RouterIo<FakeMember> = {
    async query<Row>(m: FakeMember, _session: string, _sql: string, _params: unknown, options: { timeout?: number } | undefined) {
      timeouts.push(options?.timeout);
      const o = m.next();
      now += m.takesMs;
      if (o instanceof Error) throw o;
      return { rows: [{ by: m.key }], rowCount: 1, command: 'SELECT', fields: [] } as unknown as QueryResult<Row>;
    },
    async acquire(m) {
      const o = m.next();
      now += m.takesMs;
      if (o instanceof Error) throw o;
      return { instance: m.ref } as unknown as PoolConnection;
    },
    handles: () => [],
    queryOn: () => Promise.reject(new Error('not used')),
    acquireOn: () => undefined,
  };
  let healthy = members;
  const router = new Router<FakeMember>({
    clock,
    io,
    healthy: () => healthy,
    noInstance: () => new NoInstanceAvailableError('none'),
    strategy: roundRobin({ start: 0 }),
    strategyIsBuiltIn: true,
    connectionStrategy: undefined,
    maxAttempts: 3,
    budget: new RetryBudget(),
    prefer: undefined,
    instanceFailed: (m, e) => {
      failed.push([m.key, e]);
      healthy = healthy.filter((x) => x !== m);
    },
    instanceSuspect: (m) => suspects.push(m.key),
    retried: (e) => retries.push(`${e.instance.name}#${e.attempt}`),
    ...extra,
  });
  return { router, failed, retries, timeouts, suspects };
}

const lost = () => new ConnectionError('socket closed by the server', { phase: 'result', mayHaveReachedServer: true });
const refused = () => new ConnectionError('connect ECONNREFUSED', { phase: 'connect', mayHaveReachedServer: false });

test('an instance killed before the statement was sent: any statement moves on, the instance is quarantined', async () => {
  const [a, b, c] = [new FakeMember('a'), new FakeMember('b'), new FakeMember('c')];
  a.outcomes = [refused()];
  const { router, failed, retries } = setup([a, b, c]);
  const r = await router.query('', 'INSERT INTO t VALUES (1)', [], {});
  const by = (r.rows[0] as { by: string }).by;
  assert.notEqual(by, 'a');
  assert.deepEqual(failed.map(([k]) => k), ['a']);
  assert.deepEqual(retries, ['a#1']);
  assert.equal(a.running.size + b.running.size + c.running.size, 0, 'every count is back to zero');
  assert.equal(b.served + c.served, 1);
  assert.equal(a.served, 0);
});

test('08006 mid-statement: a read is retried elsewhere, a write fails with OutcomeUnknownError naming the instance', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  a.outcomes = [lost()];
  const read = setup([a, b]);
  assert.deepEqual((await read.router.query('', 'SELECT 1', [], {})).rows, [{ by: 'b' }]);

  const [c, d] = [new FakeMember('c'), new FakeMember('d')];
  c.outcomes = [lost()];
  const write = setup([c, d]);
  await assert.rejects(write.router.query('', 'UPDATE t SET a = 1', [], {}), (e: unknown) =>
    e instanceof OutcomeUnknownError && /instance c/.test(e.message) && e.cause instanceof ConnectionError);
  assert.equal(d.calls, 0, 'the write was not repeated');
  assert.deepEqual(write.failed.map(([k]) => k), ['c'], 'the instance still counts as failed');

  const [e, f] = [new FakeMember('e'), new FakeMember('f')];
  e.outcomes = [lost()];
  const idem = setup([e, f]);
  assert.deepEqual((await idem.router.query('', 'UPDATE t SET a = 1', [], { idempotent: true })).rows, [{ by: 'f' }]);
});

test('a blackholed instance: its timeout spends the deadline, so nothing is retried past it', async () => {
  const hole = new FakeMember('hole', 1_000);
  hole.outcomes = [new TimeoutError('query timed out after 1000 ms', { phase: 'result', mayHaveReachedServer: true })];
  const other = new FakeMember('ok');
  const { router } = setup([hole, other]);
  await assert.rejects(router.query('', 'SELECT 1', [], { timeout: 1_000 }), TimeoutError);
  assert.equal(other.calls, 0, 'no time was left for another attempt');
});

test('the deadline shrinks on each attempt: the second attempt gets what is left', async () => {
  const slow = new FakeMember('slow', 300);
  slow.outcomes = [refused()];
  const next = new FakeMember('next');
  const { router, timeouts } = setup([slow, next]);
  await router.query('', 'SELECT 1', [], { timeout: 1_000 });
  assert.deepEqual(timeouts, [1_000, 700]);
});

test("a caller's deadline on an instance is no fault of it, but asks for a health check", async () => {
  const slow = new FakeMember('slow', 100);
  slow.outcomes = [new TimeoutError('query timed out after 100 ms after it was sent', { phase: 'result', mayHaveReachedServer: true })];
  const { router, failed, suspects } = setup([slow, new FakeMember('other')]);
  await assert.rejects(router.query('', 'UPDATE t SET a = 1', [], { timeout: 100 }), (e: unknown) => e instanceof OutcomeUnknownError && e.cause instanceof TimeoutError);
  assert.deepEqual(failed, []);
  assert.deepEqual(suspects, ['slow']);
});

test('a statement whose session was dropped for a neighbour runs again elsewhere without spending an attempt', async () => {
  const ms = ['a', 'b', 'c'].map((k) => new FakeMember(k));
  const drop = () => new SessionDroppedError('dropped for a neighbour', { phase: 'sent', mayHaveReachedServer: true });
  ms[0]!.outcomes = [drop()];
  ms[1]!.outcomes = [drop()];
  ms[2]!.outcomes = [drop()];
  const { router, failed, retries } = setup(ms, { maxAttempts: 1 });
  const r = await router.query('', 'SELECT 1', [], {});
  assert.equal(r.rows.length, 1, 'three drops and still answered, with maxAttempts 1');
  assert.equal(retries.length, 3);
  assert.deepEqual(failed, []);
  // A sent write is not repeated: its outcome is unknown.
  const w = new FakeMember('w');
  w.outcomes = [drop()];
  const one = setup([w, new FakeMember('y')]);
  await assert.rejects(one.router.query('', 'INSERT INTO t VALUES (1)', [], {}), (e: unknown) => e instanceof OutcomeUnknownError);
});

test('every instance quarantined: fails fast with NoInstanceAvailableError, nothing is attempted', async () => {
  const { router } = setup([]);
  await assert.rejects(router.query('', 'SELECT 1', [], {}), NoInstanceAvailableError);
  await assert.rejects(router.acquire('', 1_000, undefined, undefined), NoInstanceAvailableError);
});

test('retries stop at maxAttempts, and when the retry budget is spent', async () => {
  const ms = ['a', 'b', 'c', 'd'].map((k) => new FakeMember(k));
  for (const m of ms) m.outcomes = [refused()];
  const capped = setup(ms, { instanceFailed: () => undefined });
  await assert.rejects(capped.router.query('', 'SELECT 1', [], {}), ConnectionError);
  assert.equal(ms.reduce((n, m) => n + m.calls, 0), 3, 'three attempts in all');

  const xs = ['x', 'y'].map((k) => new FakeMember(k));
  for (const m of xs) m.outcomes = Array.from({ length: 100 }, refused);
  const budget = new RetryBudget({ initialTokens: 1, ratio: 0, minPerSecond: 0 });
  const spent = setup(xs, { budget, instanceFailed: () => undefined, maxAttempts: 10 });
  await assert.rejects(spent.router.query('', 'SELECT 1', [], {}), ConnectionError);
  const calls = xs.reduce((n, m) => n + m.calls, 0);
  assert.equal(calls, 2, "one token: one retry, then the budget stops them");
});

test("a statement the server rejects is not retried and does not count against the instance", async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  a.outcomes = [new ServerError('42601', 'syntax error at or near "SELEC"', { severity: 'ERROR' })];
  const { router, failed } = setup([a, b]);
  await assert.rejects(router.query('', 'SELEC 1', [], {}), ServerError);
  assert.equal(b.calls, 0);
  assert.deepEqual(failed, []);
});

test('acquire() and statements share one loop: a lease that times out on one instance moves on within its deadline', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  a.outcomes = [refused()];
  const { router, failed, retries } = setup([a, b]);
  const conn = await router.acquire('', 5_000, undefined, undefined);
  assert.equal(conn.instance.name, 'b');
  assert.deepEqual(failed.map(([k]) => k), ['a']);
  assert.deepEqual(retries, ['a#1']);
  assert.equal(b.served, 1, 'acquire counts as served');

  const [c, d] = [new FakeMember('c', 5_000), new FakeMember('d')];
  c.outcomes = [new PoolTimeoutError('no connection became free in 5000 ms')];
  const timed = setup([c, d]);
  await assert.rejects(timed.router.acquire('', 5_000, undefined, undefined), PoolTimeoutError);
  assert.equal(d.calls, 0, 'the deadline was spent on the first instance');
  assert.deepEqual(timed.failed, [], 'a busy instance is not a failed one');
});

test('a session from acquire() counts as running work while it is leased and held, so leastBusy sees it', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  const { router } = setup([a, b], { strategy: leastBusy({ random: () => 0 }) });
  await Promise.all([router.acquire('', 1_000, undefined, undefined), router.query('', 'SELECT 1', [], {})]);
  assert.equal(a.maxRouted + b.maxRouted, 2, 'each saw its own work counted');
  assert.equal(a.running.size + b.running.size, 1, 'the held session still counts; the statement is done');
});

test('a custom strategy gets frozen plain snapshots; a built-in gets the members themselves', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  let offered: readonly unknown[] = [];
  const custom = setup([a, b], {
    strategy: (candidates) => {
      offered = candidates;
      return candidates[1]!;
    },
    strategyIsBuiltIn: false,
  });
  assert.deepEqual((await custom.router.query('', 'SELECT 1', [], {})).rows, [{ by: 'b' }]);
  assert.equal(offered.length, 2);
  for (const o of offered) {
    assert.ok(Object.isFrozen(o));
    assert.ok(!(o instanceof FakeMember));
  }
  let builtInSaw: readonly unknown[] = [];
  const rr = roundRobin({ start: 0 });
  const builtIn = setup([a, b], { strategy: (c, ctx) => ((builtInSaw = c), rr(c, ctx)), strategyIsBuiltIn: true });
  await builtIn.router.query('', 'SELECT 1', [], {});
  assert.ok(builtInSaw[0] instanceof FakeMember);
});

test('a connection-level strategy picks the connection; with none open, the node strategy places the statement', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  const handles = new Map<FakeMember, ConnectionHandle[]>([
    [a, [Object.freeze({ instance: a.ref, inFlight: 0 }) as ConnectionHandle]],
    [b, [Object.freeze({ instance: b.ref, inFlight: 3 }) as ConnectionHandle]],
  ]);
  const ran: string[] = [];
  const io: RouterIo<FakeMember> = {
    query: async <Row>(m: FakeMember) => (ran.push(`any:${m.key}`), { rows: [], rowCount: 0, command: 'SELECT', fields: [] } as unknown as QueryResult<Row>),
    acquire: async () => { throw new Error('unused'); },
    handles: (m) => handles.get(m) ?? [],
    queryOn: async <Row>(m: FakeMember, _s: string, h: ConnectionHandle) =>
      (ran.push(`on:${m.key}:${h.inFlight}`), { rows: [], rowCount: 0, command: 'SELECT', fields: [] } as unknown as QueryResult<Row>),
    acquireOn: () => undefined,
  };
  const { router } = setup([a, b], { io, connectionStrategy: (conns) => conns.find((c) => c.inFlight === 3)! });
  await router.query('', 'SELECT 1', [], {});
  assert.deepEqual(ran, ['on:b:3']);
  handles.clear();
  await router.query('', 'SELECT 1', [], {});
  assert.equal(ran.length, 2);
  assert.match(ran[1]!, /^any:/);
});

test('keyed: the owner serves every keyed statement while healthy; counted as owner', async () => {
  const [a, b, c] = [new FakeMember('a'), new FakeMember('b'), new FakeMember('c')];
  const { router } = setup([a, b, c]);
  const target = { replicasetUuid: 'rs', primary: ['b'], secondary: [] };
  for (let i = 0; i < 10; i++) assert.deepEqual((await router.query('', 'INSERT INTO t VALUES (1)', [], { target })).rows, [{ by: 'b' }]);
  assert.equal(b.calls, 10);
  assert.deepEqual(router.keyed, { owner: 10, fallback: 0 });
  // Without a key: round-robin over all, not counted.
  await router.query('', 'SELECT 1', [], {});
  await router.query('', 'SELECT 1', [], {});
  assert.deepEqual(router.keyed, { owner: 10, fallback: 0 });
  assert.ok(a.calls + c.calls >= 1);
});

test('keyed: an unknown owner (null) or an unhealthy one routes as without a key, counted as fallback', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  const { router } = setup([a, b]);
  await router.query('', 'SELECT 1', [], { target: null });
  await router.query('', 'SELECT 1', [], { target: { replicasetUuid: 'rs', primary: ['gone'], secondary: [] } });
  assert.equal(a.calls + b.calls, 2);
  assert.deepEqual(router.keyed, { owner: 0, fallback: 2 });
});

test('keyed: the owner dies mid-read: the read fails over (no error), counted as fallback; a failed write went to the owner', async () => {
  const [a, b, c] = [new FakeMember('a'), new FakeMember('b'), new FakeMember('c')];
  b.outcomes = [lost()];
  const { router, failed } = setup([a, b, c]);
  const target = { replicasetUuid: 'rs', primary: ['b'], secondary: [] };
  const r = await router.query('', 'SELECT * FROM t WHERE id = $1', [1], { target });
  assert.notEqual((r.rows[0] as { by: string }).by, 'b');
  assert.deepEqual(failed.map(([k]) => k), ['b']);
  assert.deepEqual(router.keyed, { owner: 0, fallback: 1 });
  // b is out of the healthy list now: the next keyed statements go elsewhere, as without a key.
  await router.query('', 'SELECT * FROM t WHERE id = $1', [1], { target });
  assert.deepEqual(router.keyed, { owner: 0, fallback: 2 });

  const [d, e] = [new FakeMember('d'), new FakeMember('e')];
  d.outcomes = [lost()];
  const w = setup([d, e]);
  await assert.rejects(w.router.query('', 'UPDATE t SET a = 1', [], { target: { replicasetUuid: 'rs', primary: ['d'], secondary: [] } }), OutcomeUnknownError);
  assert.equal(e.calls, 0, 'the failover rules apply unchanged: the write is not repeated');
  assert.deepEqual(w.router.keyed, { owner: 1, fallback: 0 }, 'it went to the owner (and failed there)');
});

test('keyed: a read that prefers replicas goes to the secondary list (the leader) when no replica is healthy', async () => {
  const [a, b, c] = [new FakeMember('a'), new FakeMember('b'), new FakeMember('c')];
  const { router } = setup([a, c]);
  const target = { replicasetUuid: 'rs', primary: ['b'], secondary: ['c'] };
  assert.deepEqual((await router.query('', 'SELECT 1', [], { target })).rows, [{ by: 'c' }]);
  assert.equal(b.calls + a.calls, 0);
  assert.deepEqual(router.keyed, { owner: 1, fallback: 0 });
});

test('keyed: a stale-map error is reported (once per failed attempt), and the read goes on elsewhere', async () => {
  const [a, b] = [new FakeMember('a'), new FakeMember('b')];
  b.outcomes = [new ServerError('XX000', 'Bucket 17 cannot be found. Is rebalancing in progress?')];
  const stale: unknown[] = [];
  const { router } = setup([a, b], { routeStale: (e) => stale.push(e) });
  const r = await router.query('', 'SELECT 1', [], { target: { replicasetUuid: 'rs', primary: ['b'], secondary: [] } });
  assert.deepEqual(r.rows, [{ by: 'a' }]);
  assert.equal(stale.length, 1);
  b.outcomes = [new ServerError('XX000', 'Duplicate key exists in unique index "pk"')];
  await assert.rejects(router.query('', 'INSERT INTO t VALUES (1)', [], { target: { replicasetUuid: 'rs', primary: ['b'], secondary: [] } }));
  assert.equal(stale.length, 1, 'other errors are not stale-map errors');
});

test('keyed: acquire() leases on the owner', async () => {
  const [a, b, c] = [new FakeMember('a'), new FakeMember('b'), new FakeMember('c')];
  const { router } = setup([a, b, c]);
  for (let i = 0; i < 3; i++) {
    const conn = await router.acquire('', 1000, undefined, undefined, undefined, { replicasetUuid: 'rs', primary: ['c'], secondary: [] });
    assert.equal(conn.instance.name, 'c');
  }
});
