// Run by scripts/check-package.ts in a scratch app that installed the packed tarball: the CommonJS entries.
const assert = require('node:assert/strict');
const picots = require('picots');
const resourcePool = require('picots/resource-pool');
const testkit = require('picots/testkit');

const [fakeBindir, emptyPath] = process.argv.slice(2);

async function main() {
  assert.equal(typeof picots.Pool, 'function');
  assert.equal(typeof picots.Client, 'function');
  assert.equal(picots.parseDsn('postgresql://app:pw@10.0.0.1:4327/db').hosts[0].host, '10.0.0.1');
  assert.throws(() => picots.parseDsn('mysql://x'), picots.ConfigError);
  assert.equal(require('picots/package.json').name, 'picots');

  assert.equal(picots.ResourcePool, undefined, 'the main entry exports the public API only');
  const pool = new resourcePool.ResourcePool({ create: async () => ({ n: 1 }), destroy: () => {} });
  assert.equal(await pool.withResource((r) => r.n), 1);
  await pool.close();
  await assert.rejects(pool.withResource((r) => r.n), (e) => e instanceof picots.PoolClosedError && e instanceof picots.PicotsError);
  assert.equal(resourcePool.PoolClosedError, picots.PoolClosedError, 'picots/resource-pool re-exports the main entry\'s error classes');

  await assert.rejects(testkit.startStandIn({ instances: 0 }), (e) => {
    assert.ok(e instanceof picots.ConfigError && e instanceof picots.PicotsError, `not a picots ConfigError: ${e}`);
    assert.equal(e.option, 'instances');
    return true;
  });
  assert.throws(
    () => testkit.findPostgresBinaries({ PICOTS_PG_BINDIR: fakeBindir, PATH: emptyPath }),
    (e) => e instanceof testkit.StandInError && e instanceof picots.PicotsError && e.code === 'ERR_PICOTS_STANDIN',
  );
  // drizzle-orm ships CommonJS; kysely is ESM only, which require() loads on Node 20.19+ and 22.12+.
  const drizzle = require('picots/drizzle');
  assert.equal(typeof drizzle.drizzle, 'function');
  assert.equal(drizzle.NoTransactionsError, picots.NoTransactionsError);
  assert.throws(() => drizzle.drizzle({}), (e) => e instanceof picots.ConfigError && e.option === 'pool');
  const kysely = require('picots/kysely');
  assert.equal(kysely.NoTransactionsError, picots.NoTransactionsError);
  console.log('cjs: picots, picots/testkit, picots/resource-pool, picots/kysely, picots/drizzle ok');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
