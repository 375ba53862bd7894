import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPeerAddress, isUnspecifiedHost, parsePeerAddress } from '../../src/topology/peer-address.js';

test('parses host:port and bracketed IPv6', () => {
  assert.deepEqual(parsePeerAddress('127.0.0.1:4327'), { host: '127.0.0.1', port: 4327 });
  assert.deepEqual(parsePeerAddress('db-1.example.com:5432'), { host: 'db-1.example.com', port: 5432 });
  assert.deepEqual(parsePeerAddress('[::1]:4327'), { host: '::1', port: 4327 });
  assert.deepEqual(parsePeerAddress('[fe80::1%eth0]:1'), { host: 'fe80::1%eth0', port: 1 });
  assert.deepEqual(parsePeerAddress('[::ffff:10.0.0.1]:65535'), { host: '::ffff:10.0.0.1', port: 65535 });
});

test('rejects what it cannot read for sure', () => {
  for (const bad of ['', '127.0.0.1', ':4327', 'host:', 'host:0', 'host:65536', 'host:123456', '::1:4327', '[::1]', '[::1]4327',
    'ho st:1', 'host:12a', ' host:1', 'a:b:1', '[zz]:1']) {
    assert.equal(parsePeerAddress(bad), undefined, bad);
  }
});

test('isUnspecifiedHost: the wildcard listen addresses', () => {
  for (const h of ['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '::0', '0::']) assert.equal(isUnspecifiedHost(h), true, h);
  for (const h of ['127.0.0.1', '::1', 'localhost', '0.0.0.1', '10.0.0.0']) assert.equal(isUnspecifiedHost(h), false, h);
});

test('formatPeerAddress brackets IPv6', () => {
  assert.equal(formatPeerAddress({ host: '::1', port: 4327 }), '[::1]:4327');
  assert.equal(formatPeerAddress({ host: '10.0.0.1', port: 4327 }), '10.0.0.1:4327');
});
