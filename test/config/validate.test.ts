import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import {
  boolean, describe, func, intInRange, MAX_TIMER_MS, nonNegativeInt, nonNegativeMs, oneOf, positiveInt,
  rejectUnknownKeys, string, suggest,
} from '../../src/config/validate.js';

/** Asserts a ConfigError for `option` whose message matches every pattern. */
function throwsConfig(fn: () => unknown, option: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.option, option);
    assert.equal(e.code, 'ERR_PICOTS_CONFIG');
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('intInRange accepts bounds and names option and range on failure', () => {
  assert.equal(intInRange('port', 1, 1, 65535), 1);
  assert.equal(intInRange('port', 65535, 1, 65535), 65535);
  throwsConfig(() => intInRange('port', 0, 1, 65535), 'port', /^port: must be an integer from 1 to 65535, got 0$/);
  throwsConfig(() => intInRange('port', 1.5, 1, 65535), 'port', /got 1\.5/);
  throwsConfig(() => intInRange('port', NaN, 1, 65535), 'port', /got NaN/);
  throwsConfig(() => intInRange('port', '4327', 1, 65535), 'port', /got a string/);
});

test('positiveInt and nonNegativeInt', () => {
  assert.equal(positiveInt('maxSize', 10), 10);
  throwsConfig(() => positiveInt('maxSize', 0), 'maxSize', /integer >= 1, got 0/);
  assert.equal(nonNegativeInt('minSize', 0), 0);
  throwsConfig(() => nonNegativeInt('minSize', -1), 'minSize', /integer >= 0, got -1/);
  throwsConfig(() => nonNegativeInt('minSize', 10n), 'minSize', /got 10n/);
});

test('nonNegativeMs: finite, within the timer limit, Infinity only when allowed', () => {
  assert.equal(nonNegativeMs('idleTimeoutMs', 0), 0);
  assert.equal(nonNegativeMs('idleTimeoutMs', 1.5), 1.5);
  assert.equal(nonNegativeMs('idleTimeoutMs', MAX_TIMER_MS), MAX_TIMER_MS);
  assert.equal(nonNegativeMs('idleTimeoutMs', Infinity, { allowInfinity: true }), Infinity);
  throwsConfig(() => nonNegativeMs('idleTimeoutMs', Infinity), 'idleTimeoutMs', /from 0 to 2147483647, got Infinity$/);
  throwsConfig(() => nonNegativeMs('idleTimeoutMs', MAX_TIMER_MS + 1), 'idleTimeoutMs', /2147483647/);
  throwsConfig(() => nonNegativeMs('idleTimeoutMs', -1, { allowInfinity: true }), 'idleTimeoutMs', /or Infinity for no limit, got -1/);
  throwsConfig(() => nonNegativeMs('idleTimeoutMs', -Infinity, { allowInfinity: true }), 'idleTimeoutMs', /got -Infinity/);
});

test('oneOf lists the allowed values and suggests the closest', () => {
  const allowed = ['leader', 'replica', 'any'] as const;
  const v: 'leader' | 'replica' | 'any' = oneOf('readPreference', 'replica', allowed);
  assert.equal(v, 'replica');
  throwsConfig(() => oneOf('readPreference', 'replca', allowed), 'readPreference',
    /must be one of 'leader', 'replica', 'any', got 'replca' \(did you mean 'replica'\?\)/);
  throwsConfig(() => oneOf('readPreference', 1, allowed), 'readPreference', /got 1$/);
  throwsConfig(() => oneOf('readPreference', 'x'.repeat(100), allowed), 'readPreference', /'x{40}\.\.\.'/);
});

test('boolean, func and string', () => {
  assert.equal(boolean('queryMetadata', false), false);
  throwsConfig(() => boolean('queryMetadata', 'true'), 'queryMetadata', /must be true or false, got a string/);
  throwsConfig(() => boolean('queryMetadata', 1), 'queryMetadata', /got 1/);
  const f = func<(x: number) => number>('strategy', (x: number) => x + 1);
  assert.equal(f(1), 2);
  throwsConfig(() => func('strategy', {}), 'strategy', /must be a function, got an object/);
  assert.equal(string('user', ''), '');
  throwsConfig(() => string('user', '', { nonEmpty: true }), 'user', /non-empty/);
  throwsConfig(() => string('user', null), 'user', /got null/);
});

test('messages never echo a string given to a non-choice option', () => {
  const secret = 'Hunter2-secret';
  for (const fn of [
    () => positiveInt('maxSize', secret),
    () => nonNegativeMs('timeoutMs', secret),
    () => boolean('flag', secret),
    () => func('fn', secret),
    () => rejectUnknownKeys('pool options', secret, ['a']),
  ]) {
    assert.throws(fn, (e: unknown) => e instanceof ConfigError && !e.message.includes(secret));
  }
  assert.equal(describe('hunter2'), 'a string');
  assert.equal(describe(''), 'an empty string');
  assert.equal(describe([]), 'an array');
  assert.equal(describe(Symbol('s')), 'a symbol');
});

test('rejectUnknownKeys: typos are errors, with a suggestion', () => {
  rejectUnknownKeys('pool options', { maxSize: 1, minSize: 0 }, ['maxSize', 'minSize']);
  throwsConfig(() => rejectUnknownKeys('pool options', { maxsize: 5 }, ['maxSize', 'minSize']), 'maxsize',
    /unknown option 'maxsize' in pool options \(did you mean 'maxSize'\?\); allowed: maxSize, minSize/);
  throwsConfig(() => rejectUnknownKeys('pool options', { idleTimout: 5 }, ['idleTimeoutMs', 'maxSize']), 'idleTimout',
    /\(did you mean 'idleTimeoutMs'\?\)/);
  throwsConfig(() => rejectUnknownKeys('pool options', { colour: 'red' }, ['idleTimeoutMs', 'maxSize']), 'colour',
    /^colour: unknown option 'colour' in pool options; allowed: idleTimeoutMs, maxSize$/);
  throwsConfig(() => rejectUnknownKeys('pool options', null, ['maxSize']), 'pool options', /must be an object, got null/);
  throwsConfig(() => rejectUnknownKeys('pool options', [], ['maxSize']), 'pool options', /got an array/);
});

test('suggest picks the closest candidate within a third of the length', () => {
  assert.equal(suggest('maxsize', ['maxSize', 'minSize']), 'maxSize');
  assert.equal(suggest('sslmod', ['sslmode', 'sslcert']), 'sslmode');
  assert.equal(suggest('connect_timout', ['connect_timeout', 'options']), 'connect_timeout');
  assert.equal(suggest('zzz', ['maxSize']), undefined);
  assert.equal(suggest('a', ['b']), 'b');
  assert.equal(suggest('ab', ['xy']), undefined);
});

test('suggest takes a snake_case or kebab-case spelling as the camelCase name, however long', () => {
  assert.equal(suggest('enable_discovery', ['enableDiscovery', 'refreshInterval']), 'enableDiscovery');
  assert.equal(suggest('max_size_per_instance', ['maxSize', 'maxSizePerInstance']), 'maxSizePerInstance');
  assert.equal(suggest('read-preference', ['readPreference']), 'readPreference');
  assert.equal(suggest('colour_scheme', ['readPreference']), undefined);
});

test('rejectUnknownKeys: a hint function replaces the did-you-mean for the names it knows', () => {
  const hint = (key: string) => (key === 'max' ? " (did you mean 'maxSize'? the total)" : undefined);
  assert.throws(() => rejectUnknownKeys('pool options', { max: 5 }, ['maxSize'], hint), /unknown option 'max' in pool options \(did you mean 'maxSize'\? the total\); allowed: maxSize$/);
  assert.throws(() => rejectUnknownKeys('pool options', { maxsize: 5 }, ['maxSize'], hint), /\(did you mean 'maxSize'\?\); allowed/);
});
