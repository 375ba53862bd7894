// Run by scripts/check-package.ts in a scratch app that installed the packed tarball: the ESM entries.
import assert from 'node:assert/strict';
import * as picots from 'picots';
import * as resourcePool from 'picots/resource-pool';
import * as testkit from 'picots/testkit';

const [fakeBindir, emptyPath] = process.argv.slice(2);

assert.equal(typeof picots.Pool, 'function');
assert.equal(typeof picots.Client, 'function');
assert.equal(picots.parseDsn('postgresql://app:pw@10.0.0.1:4327/db').hosts[0].host, '10.0.0.1');
assert.throws(() => picots.parseDsn('mysql://x'), picots.ConfigError);

// The generic pool is its own entry; the errors it throws are the main entry's classes.
assert.equal(picots.ResourcePool, undefined, 'the main entry exports the public API only');
const pool = new resourcePool.ResourcePool({ create: async () => ({ n: 1 }), destroy: () => {} });
assert.equal(await pool.withResource((r) => r.n), 1);
await pool.close();
await assert.rejects(pool.withResource((r) => r.n), (e) => e instanceof picots.PoolClosedError && e instanceof picots.PicotsError);
assert.equal(resourcePool.PoolClosedError, picots.PoolClosedError, 'picots/resource-pool re-exports the main entry\'s error classes');

// Errors the testkit throws are picots' errors.
await assert.rejects(testkit.startStandIn({ instances: 0 }), (e) => {
  assert.ok(e instanceof picots.ConfigError && e instanceof picots.PicotsError, `not a picots ConfigError: ${e}`);
  assert.equal(e.option, 'instances');
  return true;
});
assert.throws(
  () => testkit.findPostgresBinaries({ PICOTS_PG_BINDIR: fakeBindir, PATH: emptyPath }),
  (e) => e instanceof testkit.StandInError && e instanceof picots.PicotsError && e.code === 'ERR_PICOTS_STANDIN',
);
// The ORM entries load their peer dependency and share the main entry's error classes.
const kysely = await import('picots/kysely');
const drizzle = await import('picots/drizzle');
assert.equal(typeof kysely.PicodataDialect, 'function');
assert.equal(typeof drizzle.drizzle, 'function');
assert.equal(kysely.NoTransactionsError, picots.NoTransactionsError);
assert.equal(drizzle.NoTransactionsError, picots.NoTransactionsError);
assert.throws(() => new kysely.PicodataDialect({ pool: {} }), (e) => e instanceof picots.ConfigError && e.option === 'pool');
console.log('esm: picots, picots/testkit, picots/resource-pool, picots/kysely, picots/drizzle ok');
