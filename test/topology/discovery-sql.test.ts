import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionError, ServerError } from '../../src/errors.js';
import { isMissingSchemaObjectError, isUnknownFunctionError, selfUuidSql } from '../../src/topology/discovery-sql.js';

test('missing column or table: PostgreSQL codes and Picodata XX000 texts', () => {
  const yes = [
    new ServerError('42703', 'column pi.name does not exist'),
    new ServerError('42P01', 'relation "_pico_peer_address" does not exist'),
    new ServerError('XX000', 'sbroad: column with name "name" not found'),
    new ServerError('XX000', 'table with name "_pico_peer_address" not found'),
    new ServerError('XX000', 'space _PICO_INSTANCE not found'),
    new ServerError('XX000', 'There is no table with name _pico_instance'),
  ];
  for (const e of yes) assert.equal(isMissingSchemaObjectError(e), true, e.message);
  const no = [
    new ServerError('XX000', "Read access to space '_pico_instance' is denied for user 'bob'"),
    new ServerError('XX000', 'SQL function pico_instance_uuid not found'),
    new ServerError('42601', 'syntax error at or near "FROM"'),
    new ServerError('XX000', 'timed out'),
    new ConnectionError('reset', { phase: 'result', mayHaveReachedServer: true }),
    new Error('column x does not exist'),
  ];
  for (const e of no) assert.equal(isMissingSchemaObjectError(e), false, e.message);
});

test('unknown function', () => {
  assert.equal(isUnknownFunctionError(new ServerError('42883', 'function pico_instance_uuid() does not exist')), true);
  assert.equal(isUnknownFunctionError(new ServerError('XX000', 'SQL function instance_uuid not found')), true);
  assert.equal(isUnknownFunctionError(new ServerError('XX000', 'column with name "x" not found')), false);
  assert.equal(isUnknownFunctionError(new ServerError('28P01', "authentication failed for user 'u'")), false);
});

test('selfUuidSql', () => {
  assert.equal(selfUuidSql('pico_instance_uuid'), 'SELECT pico_instance_uuid()');
  assert.equal(selfUuidSql('instance_uuid'), 'SELECT instance_uuid()');
});
