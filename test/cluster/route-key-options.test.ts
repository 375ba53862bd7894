/** `routeKey`/`routeTier` are checked before anything is queued, with errors naming the option. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAcquireOptions, checkClusterQueryOptions, routeKeyHash } from '../../src/cluster/cluster-query-options.js';
import { ConfigError, keyHash, keyPart } from '../../src/index.js';

test('routeKeyHash is keyHash for every key shape bucketId takes, a single part or an array', () => {
  assert.equal(routeKeyHash('routeKey', [1, 'kek']), 3990930133);
  assert.equal(routeKeyHash('routeKey', 1), keyHash([1]));
  assert.equal(routeKeyHash('routeKey', [keyPart.decimal('1.0')]), keyHash(keyPart.decimal('1.0')));
  assert.equal(routeKeyHash('routeKey', [null, true, new Date(0)]), keyHash([null, true, new Date(0)]));
});

test('a key Picodata cannot hash is a ConfigError naming the option and the part', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /^routeKey: the key has no parts/],
    [[{}], /^routeKey: key part 0 .*no Picodata key type/],
    [[1, undefined], /^routeKey: key part 1 .*use null/],
    [[2n ** 64n], /^routeKey: key part 0 .*beyond/],
    [[Number.NaN], /^routeKey: key part 0 .*NaN/],
    [[[1]], /^routeKey: key part 0/],
    [undefined, /^routeKey: must be a key part/],
  ];
  for (const [key, message] of cases) {
    assert.throws(() => routeKeyHash('routeKey', key), (e: unknown) => e instanceof ConfigError && e.option === 'routeKey' && message.test(e.message), String(key));
  }
  assert.throws(() => routeKeyHash('key', []), (e: unknown) => e instanceof ConfigError && e.option === 'key');
});

test('routeTier must be a tier name, on statements and on acquire(); acquire() accepts routeKey', () => {
  for (const bad of ['', 7, null]) {
    assert.throws(() => checkClusterQueryOptions({ routeTier: bad as never }), (e: unknown) => e instanceof ConfigError && e.option === 'routeTier');
    assert.throws(() => checkAcquireOptions({ routeTier: bad }), (e: unknown) => e instanceof ConfigError && e.option === 'routeTier');
  }
  checkClusterQueryOptions({ routeKey: [1], routeTier: 'storage' });
  checkAcquireOptions({ routeKey: [1], routeTier: 'storage' });
  assert.throws(() => checkAcquireOptions({ routeKeys: [1] }), /routeKey/);
});
