import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthenticationError, Client, ConnectionError, NoInstanceAvailableError, OutcomeUnknownError, Pool, TimeoutError } from '../../src/index.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';

import { eventually, sleep } from '../helpers/wait.js';

async function withCluster(instances: number, fn: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = await startCluster({ instances });
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}


test('an instance killed mid-workload: reads keep succeeding, no write is applied twice, in-flight writes report an unknown outcome', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 6, connectTimeout: 1_000, queryTimeout: 3_000 });
    await client.connect();
    await client.execute('CREATE TABLE failover_writes (id int8)'); // no key: a duplicate would show
    let readsOk = 0;
    let readsFailed = 0;
    let nextId = 0;
    const written: number[] = [];
    const unknown: number[] = [];
    const otherWriteErrors: Error[] = [];
    const stopAt = performance.now() + 2_500;
    const workers = Array.from({ length: 16 }, async () => {
      while (performance.now() < stopAt) {
        try {
          await client.fetchval('SELECT pico_instance_uuid()');
          readsOk++;
        } catch {
          readsFailed++;
        }
        const id = nextId++;
        try {
          await client.execute('INSERT INTO failover_writes VALUES ($1)', [id]);
          written.push(id);
        } catch (error) {
          if (error instanceof OutcomeUnknownError) unknown.push(id);
          else otherWriteErrors.push(error as Error);
        }
      }
    });
    await sleep(800);
    await cluster.kill('i2');
    await Promise.all(workers);

    assert.equal(readsFailed, 0, 'every read succeeded (retried on another instance when i2 died)');
    assert.ok(readsOk > 100);
    assert.deepEqual(otherWriteErrors.map((e) => e.message), [], 'writes either succeed or report an unknown outcome');
    const rows = (await client.fetch<{ id: number }>('SELECT id FROM failover_writes')).map((r) => r.id);
    assert.equal(new Set(rows).size, rows.length, 'no write was applied twice');
    for (const id of written) assert.ok(rows.includes(id), `acknowledged write ${id} is there`);
    for (const id of rows) assert.ok(written.includes(id) || unknown.includes(id), `row ${id} was acknowledged or reported unknown`);
    const i2 = client.instances().find((i) => i.name === 'i2')!;
    assert.equal(i2.quarantined, true);
    await client.close();
  });
});

test('an unknown-outcome error names the instance and is not retried unless marked idempotent', { timeout: 60_000 }, async () => {
  await withCluster(2, async (cluster) => {
    const pool = new Pool({ dsn: cluster.dsn('scram'), enableDiscovery: true, maxSize: 2, balanceStrategy: 'round-robin' });
    await pool.connect();
    await pool.execute('CREATE TABLE outcome (id int8)');
    const retries: unknown[] = [];
    pool.on('retry', (r) => retries.push(r));
    // Cut the result of the next statement on every instance: the statement has run, its answer is lost.
    for (const i of cluster.instances) cluster.cutNextResult(i.name);
    await assert.rejects(pool.execute('INSERT INTO outcome VALUES (1)'), (e: unknown) => {
      assert.ok(e instanceof OutcomeUnknownError, String(e));
      assert.match(e.message, /may or may not have been applied on instance i\d/);
      return true;
    });
    assert.equal(retries.length, 0, 'a plain write is never retried');
    for (const i of cluster.instances) cluster.cutNextResult(i.name);
    await pool.execute('INSERT INTO outcome VALUES (2)', [], { idempotent: true }).catch(() => undefined);
    assert.ok(retries.length >= 1, 'an idempotent write is retried');
    await pool.close();
  });
});

test('a blackholed instance (accepts TCP, never answers) is caught by deadlines and avoided', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const client = new Client({ dsn: cluster.dsn('scram', { instance: 'i1' }), poolSize: 3, connectTimeout: 500, queryTimeout: 800 });
    await client.connect();
    cluster.blackhole('i3');
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => client.fetchval('SELECT pico_instance_uuid()')));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 3_000, `no call waited much past its 800 ms deadline (${Math.round(elapsed)} ms)`);
    // The statements sent to i3 spent their whole deadline waiting: they fail with a timeout (one deadline
    // per call, never re-armed); the others succeed.
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(rejected.length > 0 && rejected.length <= 10, `${rejected.length} calls had gone to i3`);
    for (const r of rejected) {
      // The first to time out destroys the session; statements pipelined behind it on that session fail with it.
      assert.ok(r.reason instanceof TimeoutError || (r.reason instanceof ConnectionError && /timed out/.test(r.reason.message)), String(r.reason));
    }
    // The deadlines alone do not blame i3; they ask for a health check on a fresh session, which fails.
    assert.ok(await eventually(() => client.instances().find((i) => i.name === 'i3')!.quarantined, 5_000), 'i3 is quarantined after its health check');
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.fetchval<string>('SELECT pico_instance_uuid()')));
    assert.ok(!answers.includes(cluster.instance('i3').uuid), 'no new work goes to the blackholed instance');
    cluster.unblackhole('i3');
    await client.close({ drainTimeout: 1_000 });
  });
});

test('an instance added to the cluster gets work within one refresh', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 8, refreshInterval: 300 });
    await client.connect();
    const added = await cluster.addInstance();
    const seen = await eventually(async () => {
      const uuids = await Promise.all(Array.from({ length: 8 }, () => client.fetchval<string>('SELECT pico_instance_uuid()')));
      return uuids.includes(added.uuid);
    }, 1_500);
    assert.ok(seen, 'the new instance answered statements');
    assert.equal(client.instances().length, 4);
    assert.equal(client.instances().reduce((n, i) => n + (i.total > 2 ? 1 : 0), 0), 0, 'maxSize 8 is re-split as 2 per instance');
    await client.close();
  });
});

test('an instance marked Offline stops getting work at once; back Online, it gets work again', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 6, refreshInterval: 200 });
    const removed: string[] = [];
    client.on('instanceRemoved', (r) => removed.push(r.name ?? r.address));
    await client.connect();
    const i2 = cluster.instance('i2').uuid;
    await cluster.setState('i2', 'Offline');
    assert.ok(await eventually(() => removed.includes('i2'), 2_000), 'the refresh noticed');
    const answers = await Promise.all(Array.from({ length: 30 }, () => client.fetchval<string>('SELECT pico_instance_uuid()')));
    assert.ok(!answers.includes(i2));
    assert.ok(
      await eventually(() => cluster.sessions('i2').every((s) => s.state === 'closed'), 2_000),
      "the Offline instance's connections were closed",
    );
    await cluster.setState('i2', 'Online');
    assert.ok(
      await eventually(async () => (await Promise.all(Array.from({ length: 6 }, () => client.fetchval<string>('SELECT pico_instance_uuid()')))).includes(i2), 2_000),
      'back Online, it answers again',
    );
    await client.close();
  });
});

test('all instances down: a clear error; back up: the pool recovers by itself', { timeout: 60_000 }, async () => {
  await withCluster(2, async (cluster) => {
    const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 4, connectTimeout: 300, refreshInterval: 200 });
    await client.connect();
    for (const i of cluster.instances) await cluster.kill(i.name);
    const errors = await Promise.allSettled(Array.from({ length: 5 }, () => client.fetchval('SELECT 1')));
    const last = errors.at(-1)!;
    assert.equal(last.status, 'rejected');
    assert.ok((last as PromiseRejectedResult).reason instanceof NoInstanceAvailableError, String((last as PromiseRejectedResult).reason));
    assert.match((last as PromiseRejectedResult).reason.message, /all 2 are quarantined/);
    for (const i of cluster.instances) await cluster.revive(i.name);
    assert.ok(
      await eventually(async () => (await client.fetchval('SELECT 1').catch(() => null)) === 1, 10_000),
      'statements succeed again once the instances answer probes',
    );
    await client.close();
  });
});

test('an older Picodata schema is detected: the seed instance is used and the rest reported', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const warnings: string[] = [];
    const client = new Client({ dsn: cluster.dsn('scram', { instance: 'i2', database: cluster.databases.legacy }), poolSize: 3, logger: { warn: (_fields, m) => warnings.push(m) } });
    await client.connect();
    assert.deepEqual(client.instances().map((i) => i.name), ['i2']);
    assert.equal(await client.fetchval('SELECT instance_uuid()'), cluster.instance('i2').uuid);
    assert.ok(warnings.some((w) => /i1/.test(w)), warnings.join('\n'));
    await client.close();
  });
});

test('discovery that fails (no discovery tables) leaves the pool working on the seed, and says so once', { timeout: 60_000 }, async () => {
  await withCluster(1, async (cluster) => {
    await cluster.standIn.sql('CREATE DATABASE plain_pg');
    await cluster.standIn.sql(`GRANT ALL ON DATABASE plain_pg TO ${cluster.users.scram.user}`);
    const warnings: string[] = [];
    const pool = new Pool({ dsn: cluster.dsn('scram', { database: 'plain_pg' }), enableDiscovery: true, logger: { warn: (_fields, m) => warnings.push(m) } });
    assert.equal(await pool.fetchval('SELECT 41 + 1'), 42);
    assert.equal(warnings.filter((w) => /discovery failed/.test(w)).length, 1);
    await pool.close();
  });
});

test('a wrong password: one login attempt in the whole cluster, then a clear error', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    cluster.clearSessions();
    const dsn = cluster.dsn('scram').replace(/:[^:@/]+@/, ':Wr0ng-Passw0rd@');
    const client = new Client({ dsn, poolSize: 6 });
    const results = await Promise.allSettled([client.connect(), ...Array.from({ length: 10 }, () => client.fetchval('SELECT 1'))]);
    for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof AuthenticationError);
    await assert.rejects(client.fetchval('SELECT 1'), AuthenticationError);
    await client.close();
    const logins = cluster.sessions().filter((s) => s.startup.user === cluster.users.scram.user);
    assert.equal(logins.length, 1, 'exactly one login attempt reached any instance');
  });
});

test('a multi-host seed DSN: dead seeds are skipped, in random order, until one answers', { timeout: 60_000 }, async () => {
  await withCluster(2, async (cluster) => {
    const live = cluster.instance('i2').address;
    const dsn = cluster.dsn('scram').replace(/@[^/]+\//, `@127.0.0.1:1,${live},127.0.0.1:2/`);
    for (let round = 0; round < 3; round++) {
      const client = new Client({ dsn, poolSize: 2, connectTimeout: 1_000 });
      await client.connect();
      assert.equal(client.instances().length, 2, 'discovery worked through the live seed');
      await client.close();
    }
  });
});

test('an instance whose advertised address cannot be reached is reported and gets no work', { timeout: 60_000 }, async () => {
  await withCluster(3, async (cluster) => {
    await cluster.standIn.setAdvertisedAddress('i3', '127.0.0.1:1');
    const warnings: string[] = [];
    const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 3, connectTimeout: 500, logger: { warn: (_fields, m) => warnings.push(m) } });
    await client.connect();
    assert.ok(warnings.some((w) => /i3 at 127\.0\.0\.1:1 cannot be reached/.test(w)), warnings.join('\n'));
    const answers = await Promise.all(Array.from({ length: 12 }, () => client.fetchval<string>('SELECT pico_instance_uuid()')));
    assert.ok(!answers.includes(cluster.instance('i3').uuid));
    assert.equal(new Set(answers).size, 2);
    await client.close();
  });
});
