import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Pool, type ConnectionHandle, roundRobin, StrategyError, type InstanceInfo } from '../../src/index.js';
import { whoAnswers } from '../helpers/who-answers.js';
import { startCluster, unexpectedStatements, type Cluster } from '../../src/testkit/index.js';
import { main as cli } from '../../src/cli/main.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ instances: 4 });
});
after(() => cluster?.stop());


test('the client discovers every Online instance from one seed address and sends work to each', { timeout: 30_000 }, async () => {
  const client = new Client({ dsn: cluster.dsn('scram', { instance: 'i3' }), poolSize: 8 });
  try {
    await client.connect();
    const found = client.instances().map((i) => i.uuid).sort();
    assert.deepEqual(found, cluster.instances.map((i) => i.uuid).sort());
    for (const i of client.instances()) {
      assert.equal(i.address, cluster.instance(i.name).address, 'the advertised (gateway) address is used');
      assert.equal(i.total, 2, 'maxSize 8 is spread as 2 per instance, opened at connect()');
    }
    const answers = await whoAnswers(cluster, client, 40);
    for (const i of cluster.instances) assert.equal(answers.filter((a) => a === i.name).length, 10, `round-robin gives ${i.name} a quarter`);
  } finally {
    await client.close();
  }
});

test('round-robin visits the instances in a fixed cycle', { timeout: 30_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4, balanceStrategy: roundRobin({ start: 0 }) });
  try {
    const answers = await whoAnswers(cluster, pool, 12);
    const cycle = answers.slice(0, 4);
    assert.equal(new Set(cycle).size, 4, 'four different instances in the first four statements');
    assert.deepEqual(answers, [...cycle, ...cycle, ...cycle]);
  } finally {
    await pool.close();
  }
});

test('a node-level strategy of one declared parameter sees frozen instance snapshots and decides where statements go', { timeout: 30_000 }, async () => {
  const seen: InstanceInfo[][] = [];
  const onlyI2 = (candidates: readonly InstanceInfo[]): InstanceInfo => {
    seen.push([...candidates]);
    return candidates.find((c) => c.name === 'i2') ?? candidates[0]!;
  };
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4, balanceStrategy: onlyI2 });
  try {
    assert.deepEqual(new Set(await whoAnswers(cluster, pool, 10)), new Set(['i2']));
    const c = seen.at(-1)!.find((x) => x.name === 'i2')!;
    assert.equal(c.uuid, cluster.instance('i2').uuid);
    assert.equal(c.tier, cluster.instance('i2').tier);
    assert.equal(c.state.variant, 'Online');
    assert.ok(c.total >= 1);
    assert.equal(typeof c.latencyMs, 'number');
    assert.ok(Object.isFrozen(c), 'a snapshot, not a live member');
    assert.equal(Object.getPrototypeOf(c), Object.prototype, 'plain data');
  } finally {
    await pool.close();
  }
});

test("picopyn's connection-level strategy (connectionStrategy) picks among open connections, each exposing its instance", { timeout: 30_000 }, async () => {
  const offered: ConnectionHandle[][] = [];
  const last = (connections: readonly ConnectionHandle[]): ConnectionHandle => {
    offered.push([...connections]);
    return connections.find((c) => c.instance.name === 'i4') ?? connections[0]!;
  };
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4, connectionStrategy: last });
  try {
    await pool.connect();
    assert.deepEqual(new Set(await whoAnswers(cluster, pool, 8)), new Set(['i4']));
    const conn = await pool.acquire();
    assert.equal(conn.instance.name, 'i4');
    conn.release();
    assert.ok(offered.length > 0 && offered.every((list) => list.length > 0), 'the strategy was offered open connections');
    assert.ok(offered.flat().every((h) => typeof h.inFlight === 'number' && typeof h.instance.address === 'string'));
  } finally {
    await pool.close();
  }
});

test('a strategy that throws or returns a stranger fails the call clearly and loses no connection', { timeout: 30_000 }, async () => {
  let mode: 'throw' | 'stranger' = 'throw';
  const bad = (candidates: readonly InstanceInfo[], _ctx: unknown): InstanceInfo => {
    if (mode === 'throw') throw new Error('boom');
    return { ...candidates[0]!, uuid: 'not-a-member' };
  };
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4, balanceStrategy: bad });
  try {
    await pool.connect();
    await assert.rejects(pool.fetchval('SELECT 1'), (e: unknown) => e instanceof StrategyError && /threw: boom/.test(e.message));
    mode = 'stranger';
    await assert.rejects(pool.fetchval('SELECT 1'), (e: unknown) => e instanceof StrategyError && /not one of the 4 candidates/.test(e.message));
    const stats = pool.stats().total;
    assert.equal(stats.leases, 0, 'nothing was left leased');
    assert.equal(stats.size, 4, 'every connection is still in the pool');
  } finally {
    await pool.close();
  }
  assert.throws(() => new Pool({ dsn: cluster.dsn('scram'), balanceStrategy: 'fastest' as never }), /round-robin/);
});

test('a per-statement read preference opens sessions with Picodata options, validated and in its format', { timeout: 30_000 }, async () => {
  cluster.clearSessions();
  const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 4, sqlMotionRowMax: 10000 });
  try {
    assert.equal(await pool.fetchval('SELECT 1', [], { readPreference: 'replica' }), 1);
    const options = cluster.sessions().map((s) => Object.fromEntries(s.options));
    assert.ok(options.some((o) => o.read_preference === 'replica' && o.sql_motion_row_max === '10000'), JSON.stringify(options));
    assert.ok(options.some((o) => o.read_preference === undefined && o.sql_motion_row_max === '10000'));
  } finally {
    await pool.close();
  }
});

test('picots itself never sends SET, BEGIN, SHOW, DISCARD or catalog queries, and leaves no session open after close()', { timeout: 30_000 }, async () => {
  cluster.clearSessions();
  const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 8, refreshInterval: 200 });
  await client.connect();
  await Promise.all(Array.from({ length: 200 }, (_, i) => client.fetchval('SELECT $1::int8', [i])));
  {
    await using conn = await client.acquire();
    await conn.fetchval('SELECT 2');
  }
  await new Promise((r) => setTimeout(r, 450)); // let a topology refresh or two happen
  await client.close();
  const sessions = cluster.sessions();
  assert.ok(sessions.length >= 5);
  assert.deepEqual(unexpectedStatements(sessions), []);
  for (const s of sessions) {
    assert.deepEqual(Object.keys(s.startup).sort(), ['client_encoding', 'database', 'user'], 'startup carries only these');
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(cluster.sessions().filter((s) => s.state !== 'closed').map((s) => s.instance), [], 'no socket left open');
});

test('picots topology prints every instance with its state and reachability; picots query runs one statement', { timeout: 30_000 }, async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env: {}, stdoutIsTTY: false, signal: new AbortController().signal };
  assert.equal(await cli(['topology', cluster.dsn('scram'), '--json'], io), 0, err.join('\n'));
  const report = JSON.parse(out.join('\n')) as { instances: Array<{ name: string; reachable: boolean; state: string }> };
  assert.deepEqual(report.instances.map((i) => [i.name, i.reachable, i.state]).sort(), cluster.instances.map((i) => [i.name, true, 'Online(1)']).sort());
  out.length = 0;
  assert.equal(await cli(['topology', cluster.dsn('scram')], io), 0);
  assert.match(out.join('\n'), /name\s+uuid\s+address\s+tier\s+replicaset\s+state\s+reachable/);
  out.length = 0;
  assert.equal(await cli(['query', cluster.dsn('scram'), 'SELECT $1::int8 + 1 AS n, $2::text AS s', '41', 'hi', '--json'], io), 0, err.join('\n'));
  assert.deepEqual(JSON.parse(out.join('\n')).rows, [['42', 'hi']]);
  err.length = 0;
  assert.equal(await cli(['query', cluster.dsn('scram').replace(/:[^:@/]+@/, ':Wr0ng-pass@'), 'SELECT 1'], io), 1);
  assert.match(err.join('\n'), /28P01|authentication/);
  assert.ok(!err.join('\n').includes('Wr0ng-pass'), 'the password is not printed');
  assert.equal(await cli(['frobnicate'], io), 2);
});
