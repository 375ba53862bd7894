/** Every option of every layer is checked when the Pool/Client is constructed: never at connect(). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, ConfigError, Pool } from '../../src/index.js';

const dsn = 'postgresql://app:Secret123@127.0.0.1:1/db';

test('bad options of the connection and pool layers throw ConfigError from the constructor, naming the option', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ pipelining: 0 }, 'pipelining'],
    [{ idleTimeout: -5 }, 'idleTimeout'],
    [{ ssl: 'bogus' }, 'ssl'],
    [{ rowMode: 'table' }, 'rowMode'],
    [{ maxWaiters: -1 }, 'maxWaiters'],
    [{ statementCacheSize: -1 }, 'statementCacheSize'],
    [{ int8: 'float' }, 'int8'],
    [{ maxLifetime: 'long' }, 'maxLifetime'],
    [{ maxUses: 1.5 }, 'maxUses'],
    [{ connectionStrategy: 'first' }, 'connectionStrategy'],
    [{ syncCoalescing: 'yes' }, 'syncCoalescing'],
    [{ maxMessageSize: 10 }, 'maxMessageSize'],
  ];
  for (const [bad, option] of cases) {
    for (const make of [() => new Pool({ dsn, ...bad }), () => new Client({ dsn, ...bad })]) {
      assert.throws(make, (e: unknown) => e instanceof ConfigError && e.option === option && e.message.includes(option), `${option}: ${JSON.stringify(bad)}`);
    }
  }
});

test('a misspelt option gets a did-you-mean', () => {
  assert.throws(() => new Pool({ dsn, pipelinning: 4 } as never), (e: unknown) => e instanceof ConfigError && /pipelining/.test(e.message));
});

test('balanceStrategy takes a function of any declared arity as node-level', () => {
  const zero = () => { throw new Error('not called at construction'); };
  const one = (c: readonly unknown[]) => c[0];
  const defaulted = (c: readonly unknown[], _ctx = {}) => c[0];
  for (const fn of [zero, one, defaulted]) assert.doesNotThrow(() => new Pool({ dsn, balanceStrategy: fn as never }));
  assert.equal(Object.getOwnPropertySymbols(one).length, 0, "the user's function is not marked or changed");
});

test('refreshInterval: Infinity is accepted (no periodic refresh)', () => {
  assert.doesNotThrow(() => new Client({ dsn, refreshInterval: Infinity }));
});

test("other clients' option names get the picots name, and the unit where it differs", () => {
  const cases: Array<[typeof Pool | typeof Client, Record<string, unknown>, RegExp]> = [
    [Pool, { pool_size: 4 }, /unknown option 'pool_size' in pool options \(did you mean 'maxSize'\?/],
    [Client, { pool_size: 4 }, /unknown option 'pool_size' in Client options \(did you mean 'poolSize'\?/],
    [Pool, { max_size: 4 }, /\(did you mean 'maxSize'\?\)/],
    [Client, { max_size: 4 }, /\(did you mean 'poolSize'\?\)/],
    [Pool, { enable_discovery: true }, /\(did you mean 'enableDiscovery'\?\)/],
    [Pool, { balance_strategy: 'random' }, /\(did you mean 'balanceStrategy'\?\)/],
    [Client, { balance_strategy: 'random' }, /\(did you mean 'balanceStrategy'\?\)/],
    [Pool, { min_size: 1 }, /\(did you mean 'minSize'\?\)/],
    [Pool, { connectionString: dsn }, /\(did you mean 'dsn'\?\)/],
    [Pool, { max: 20 }, /\(did you mean 'maxSize'\? the total over all instances\)/],
    [Client, { max: 20 }, /\(did you mean 'poolSize'\?/],
    [Pool, { idleTimeoutMillis: 1000 }, /\(did you mean 'idleTimeout'\?\)/],
    [Client, { command_timeout: 5 }, /\(did you mean 'queryTimeout'\? it counts milliseconds, not seconds\)/],
    [Pool, { max_inactive_connection_lifetime: 300 }, /\(did you mean 'idleTimeout'\? it counts milliseconds, not seconds\)/],
    [Pool, { host: '10.0.0.1' }, /put host, port, user, password and database in 'dsn'/],
    [Client, { user: 'app' }, /put host, port, user, password and database in 'dsn'/],
    [Pool, { allowExitOnIdle: true }, /not needed: picots never keeps an idle process alive/],
  ];
  for (const [Make, bad, message] of cases) {
    const [key] = Object.keys(bad);
    assert.throws(() => new Make({ dsn, ...bad } as never), (e: unknown) =>
      e instanceof ConfigError && e.option === key && message.test(e.message), `${Make.name} ${key}`);
  }
});

test('Client refuses maxSize and enableDiscovery, and suggests from its own names', () => {
  assert.throws(() => new Client({ dsn, maxSize: 3 } as never), (e: unknown) => e instanceof ConfigError && /use Pool/.test(e.message));
  assert.throws(() => new Client({ dsn, poolsize: 3 } as never), (e: unknown) => e instanceof ConfigError && /did you mean 'poolSize'/.test(e.message));
});
