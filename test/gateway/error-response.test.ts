import assert from 'node:assert/strict';
import { test } from 'node:test';
import { picodataError } from '../../src/testkit/gateway/error-response.js';

function fields(pairs: Array<[string, string]>): Buffer {
  return Buffer.from(`${pairs.map(([k, v]) => `${k}${v}\0`).join('')}\0`, 'utf8');
}

function decode(message: Buffer): Array<[string, string]> {
  assert.equal(message.toString('latin1', 0, 1), 'E');
  assert.equal(message.readInt32BE(1), message.length - 1);
  return message.toString('utf8', 5, message.length - 2).split('\0').map((f) => [f.slice(0, 1), f.slice(1)]);
}

test('an engine error becomes XX000 with only severity, code and message', () => {
  const body = fields([['S', 'ERROR'], ['V', 'ERROR'], ['C', '23505'], ['M', 'duplicate key value violates unique constraint "t_pkey"'],
    ['D', 'Key (id)=(1) already exists.'], ['s', 'public'], ['t', 't'], ['n', 't_pkey'], ['F', 'nbtinsert.c'], ['L', '666'], ['R', '_bt_check_unique']]);
  assert.deepEqual(decode(picodataError(body, 'u')), [['S', 'ERROR'], ['C', 'XX000'], ['M', 'duplicate key value violates unique constraint "t_pkey"']]);
});

test('the protocol-level codes Picodata uses itself are kept; a failed login gets Picodata\'s wording and severity', () => {
  for (const code of ['0A000', '22P02', '22P03', '42P05', '42P03', '08P01', '28000']) {
    assert.equal(decode(picodataError(fields([['S', 'ERROR'], ['C', code], ['M', 'm']]), 'u'))[1]?.[1], code);
  }
  const login = fields([['S', 'FATAL'], ['C', '28P01'], ['M', 'password authentication failed for user "bob"']]);
  assert.deepEqual(decode(picodataError(login, 'bob')), [['S', 'ERROR'], ['C', '28P01'], ['M', "authentication failed for user 'bob'"]]);
});
