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
