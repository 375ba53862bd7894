/**
 * A 100-instance stand-in: one PostgreSQL (which listens on at most 63 addresses one by one) behind the
 * gateway's 100 listeners. A Client finds all of them from one seed and a statement reaches each.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Client } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { listenAddresses, MAX_LISTEN_ADDRESSES, serverSettings } from '../../src/testkit/postgres-config.js';
import { loopbackAddresses, startCluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';

const INSTANCES = 100;

test('PostgreSQL listens on each address while it can, on the IPv4 wildcard past that, for loopback only', () => {
  assert.equal(listenAddresses(loopbackAddresses(3)), '127.0.0.1,127.0.0.2,127.0.0.3');
  assert.equal(listenAddresses(loopbackAddresses(MAX_LISTEN_ADDRESSES)).split(',').length, MAX_LISTEN_ADDRESSES);
  assert.equal(listenAddresses(loopbackAddresses(MAX_LISTEN_ADDRESSES + 1)), '0.0.0.0');
  assert.throws(() => listenAddresses([...loopbackAddresses(MAX_LISTEN_ADDRESSES), '10.0.0.1']), ConfigError);
  // Room for a few connections per instance, never below what small stand-ins always had.
  assert.match(serverSettings({ addresses: loopbackAddresses(3), socketDir: '/s' }), /^max_connections = 300$/m);
  assert.match(serverSettings({ addresses: loopbackAddresses(104), socketDir: '/s' }), /^max_connections = 466$/m);
});

test(`a Client discovers all ${INSTANCES} instances behind the gateway and a statement reaches each`, { timeout: 60_000 }, async () => {
  const cluster = await startCluster({ instances: INSTANCES, spareAddresses: 1, record: false });
  after(() => cluster.stop());
  assert.equal(cluster.instances.length, INSTANCES);
  assert.equal(new Set(cluster.instances.map((i) => i.address)).size, INSTANCES);

  const client = new Client({ dsn: cluster.dsn('scram', { instance: 'i57' }), poolSize: INSTANCES, connectTimeout: 10_000 });
  try {
    await client.connect();
    assert.equal(client.instances().length, INSTANCES);
    assert.deepEqual(
      new Set(client.instances().map((i) => i.address)),
      new Set(cluster.instances.map((i) => i.address)),
      'every member is at its gateway address',
    );
    // Instances still opening their connection are passed over while others can serve: ask until each
    // has answered, within a bound.
    const answered = new Set<string>();
    const expected = new Set(cluster.instances.map((i) => i.uuid));
    const all = await eventually(async () => {
      const uuids = await Promise.all(Array.from({ length: INSTANCES }, () => client.fetchval<string>('SELECT pico_instance_uuid()')));
      for (const u of uuids) if (u !== null) answered.add(u);
      return answered.size === INSTANCES;
    }, 30_000, 0);
    assert.ok(all, `${answered.size} of ${INSTANCES} instances answered`);
    assert.deepEqual(answered, expected);
    // Through the gateway, not around it: each instance's listener took a session.
    const withSessions = new Set(cluster.sessions().map((s) => s.instance));
    assert.equal(withSessions.size, INSTANCES);
  } finally {
    await client.close({ drainTimeout: 2000 });
  }

  // An instance added to a cluster this size gets the next loopback address and its own listener, and
  // its rows advertise that listener from the start.
  const added = await cluster.addInstance();
  assert.equal(added.name, `i${INSTANCES + 1}`);
  assert.match(added.backendAddress, new RegExp(`^127\\.0\\.0\\.${INSTANCES + 1}:`));
  assert.notEqual(added.address, added.backendAddress);
  const advertised = await cluster.standIn.sql(
    `SELECT address FROM _pico_peer_address WHERE raft_id = ${added.raftId} AND connection_type = 'pgproto'`,
  );
  assert.equal(advertised, added.address);
});
