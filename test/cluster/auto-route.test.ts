/**
 * autoRoute: the pool asks for Picodata's query metadata, learns a statement's dk_meta from its first Parse
 * (through the stand-in's gateway, which sends the notice as Picodata does), and from the second execution on
 * hands the statement down with `routeKey`/`routeTier` computed from its own parameters.
 *
 * Here what is observed is the options each statement reaches its connection with: the pool's `setup` hook
 * wraps every new connection's `query` to record them. Where the statements land (on the owner's leader) is
 * auto-route-owner.test.ts, by the gateway's record of keyed statements.
 */
import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import { AutoRoute, type AutoRouteFields } from '../../src/cluster/auto-route.js';
import { Pool } from '../../src/cluster/pool.js';
import { ConfigError } from '../../src/errors.js';
import { bucketId, keyPart, type KeyPart } from '../../src/index.js';
import type { Connection } from '../../src/protocol/connection.js';
import type { QueryOptions } from '../../src/protocol/query-types.js';
import { startCluster } from '../../src/testkit/index.js';

describe('AutoRoute.route', () => {
  const auto = new AutoRoute(10);
  auto.cache.record({ query: 'ins', tier: 'hot', dkMeta: [[2, 25], [1, 20]] });
  auto.cache.record({ query: 'sel', tier: 'default', dkMeta: [] });
  auto.cache.record({ query: 'notier', tier: null, dkMeta: [[1, 20]] });

  it('fills in routeKey and routeTier from the cached metadata', () => {
    const routed = auto.route('ins', [7, 'x'], { timeout: 5 });
    assert.deepEqual(routed, { timeout: 5, routeKey: ['x', 7n], routeTier: 'hot' });
    assert.deepEqual(auto.route('notier', [7], {}), { routeKey: [7n] });
  });

  it('leaves the options as they are without metadata, without a key, with a value it cannot type, or with an explicit key', () => {
    const options = { timeout: 5 };
    assert.equal(auto.route('unknown', [1], options), options);
    assert.equal(auto.route('sel', [1], options), options);
    assert.equal(auto.route('ins', ['not an integer', 'x'], options), options);
    const explicit: AutoRouteFields & QueryOptions = { routeKey: [keyPart.uuid('9035910e-8342-4460-8c25-25e5f10d9876')] };
    assert.equal(auto.route('ins', [7, 'x'], explicit), explicit);
  });
});

test('autoRoute must be a boolean and cannot go with queryMetadata: false', () => {
  assert.throws(() => new Pool({ dsn: 'postgresql://u:p@127.0.0.1:1/db', autoRoute: 'yes' as never }), (e: unknown) => e instanceof ConfigError && e.option === 'autoRoute');
  assert.throws(() => new Pool({ dsn: 'postgresql://u:p@127.0.0.1:1/db', autoRoute: true, queryMetadata: false }), (e: unknown) => e instanceof ConfigError && e.option === 'queryMetadata');
});

const cluster = await startCluster({ instances: 2 });
after(() => cluster.stop());

interface Seen {
  sql: string;
  options: (QueryOptions & AutoRouteFields) | undefined;
}

/** A pool whose connections record the options each statement reaches them with, and the notices they emit. */
function recordingPool(autoRoute: boolean): { pool: Pool; seen: Seen[]; notices: string[] } {
  const seen: Seen[] = [];
  const notices: string[] = [];
  const setup = (connection: Connection): Promise<void> => {
    const query = connection.query.bind(connection);
    connection.query = ((sql: string, params?: readonly unknown[], options?: QueryOptions) => {
      seen.push({ sql, options });
      return query(sql, params, options);
    }) as Connection['query'];
    connection.on('notice', (n) => notices.push(n.message));
    return Promise.resolve();
  };
  const pool = new Pool({ dsn: cluster.dsn('scram', { allInstances: true }), enableDiscovery: true, autoRoute, setup, maxSize: 4 });
  return { pool, seen, notices };
}

test('with autoRoute, a single-row INSERT carries its computed key from its second execution on', { timeout: 30_000 }, async () => {
  cluster.clearSessions();
  const { pool, seen, notices } = recordingPool(true);
  const warnings: unknown[] = [];
  pool.on('warning', (w) => warnings.push(w));
  try {
    await pool.execute('CREATE TABLE auto_items (id INT PRIMARY KEY, name TEXT)');
    const insert = 'insert into auto_items (name, id) values ($1, $2)';
    await pool.execute(insert, ['a', 1]);
    await pool.execute(insert, ['b', 2]);
    await pool.execute(insert, ['c', 400n]);
    const inserts = seen.filter((s) => s.sql === insert);
    assert.equal(inserts.length, 3);
    assert.equal(inserts[0]!.options?.routeKey, undefined, 'the first execution is routed as without a key');
    assert.deepEqual(inserts[1]!.options?.routeKey, [2n]);
    assert.equal(inserts[1]!.options?.routeTier, 'default');
    assert.equal(bucketId(inserts[1]!.options!.routeKey as KeyPart[]), 1410, 'the bucket Picodata gives id 2');
    assert.equal(bucketId(inserts[2]!.options!.routeKey as KeyPart[]), 590, 'the bucket Picodata gives id 400');

    const select = 'select name from auto_items where id = $1';
    assert.equal(await pool.fetchval(select, [1]), 'a');
    assert.equal(await pool.fetchval(select, [2]), 'b');
    assert.ok(seen.filter((s) => s.sql === select).every((s) => s.options?.routeKey === undefined), 'a SELECT has no key in the metadata');

    const explicit = [keyPart.decimal('1.0')];
    await pool.execute(insert, ['d', 3], { routeKey: explicit } as QueryOptions);
    assert.equal(seen.at(-1)?.options?.routeKey, explicit, 'an explicit routeKey is kept');

    assert.deepEqual(notices, [], 'the metadata notices are not notices for the user');
    assert.deepEqual(warnings, []);
    const asked = cluster.sessions().filter((s) => s.options.some(([n, v]) => n === 'pico_query_metadata' && v === 'true'));
    assert.ok(asked.length > 0, 'the sessions asked for the metadata');
  } finally {
    await pool.execute('DROP TABLE IF EXISTS auto_items').catch(() => undefined);
    await pool.close();
  }
});

test('without autoRoute, no metadata is asked for and no key is added', { timeout: 30_000 }, async () => {
  cluster.clearSessions();
  const { pool, seen } = recordingPool(false);
  try {
    await pool.execute('CREATE TABLE plain_items (id INT PRIMARY KEY)');
    const insert = 'insert into plain_items (id) values ($1)';
    await pool.execute(insert, [1]);
    await pool.execute(insert, [2]);
    assert.ok(seen.every((s) => s.options?.routeKey === undefined));
    assert.ok(cluster.sessions().every((s) => !s.options.some(([n]) => n === 'pico_query_metadata')));
  } finally {
    await pool.execute('DROP TABLE IF EXISTS plain_items').catch(() => undefined);
    await pool.close();
  }
});

test('autoRoute on a Pool without discovery: one warning at connect (there is no bucket map), and statements still run', { timeout: 30_000 }, async () => {
  const pool = new Pool({ dsn: cluster.dsn('scram', { allInstances: true }), autoRoute: true, maxSize: 2 });
  const warnings: Array<{ code: string; message: string }> = [];
  pool.on('warning', (w) => warnings.push(w));
  try {
    await pool.connect();
    await pool.execute('CREATE TABLE nodisc_items (id INT PRIMARY KEY)');
    for (const id of [1, 2, 3]) await pool.execute('insert into nodisc_items (id) values ($1)', [id]);
    assert.deepEqual(warnings.map((w) => w.code), ['OPTIONS']);
    assert.match(warnings[0]!.message, /enableDiscovery: true/);
    assert.deepEqual(pool.stats().keyed, { owner: 0, fallback: 2 }, 'the second and third executions had a key, routed as without one');
  } finally {
    await pool.execute('DROP TABLE IF EXISTS nodisc_items').catch(() => undefined);
    await pool.close();
  }
});
