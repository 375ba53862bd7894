import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceConnections } from '../../src/cluster/instance-connections.js';
import { resolveClusterOptions } from '../../src/config/cluster-options.js';
import { PicotsError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();

/** The connections to the stand-in's first instance, as the cluster pool would make them. */
function connectionsToFirst(maxSize: number, pipelining = 4): InstanceConnections {
  const o = resolveClusterOptions({ dsn: standIn.dsn('scram', { params: { sslmode: 'disable' } }), maxSize, pipelining });
  const address = standIn.instances[0]!.address;
  const at = address.lastIndexOf(':');
  const ref = { address, uuid: undefined, name: 'i1' };
  return new InstanceConnections(ref, { ...o.connection, host: address.slice(0, at), port: Number(address.slice(at + 1)) }, { ...o.instanceSettings, maxSize });
}

test('handles are frozen snapshots with no live object inside; runOn and acquireOn use exactly their connection', async () => {
  const conns = connectionsToFirst(2);
  try {
    // Open two sessions and learn their backend pids.
    const [a, b] = await Promise.all([conns.acquire(), conns.acquire()]);
    const pids = new Set([await a.fetchval<number>('SELECT pg_backend_pid()'), await b.fetchval<number>('SELECT pg_backend_pid()')]);
    assert.equal(pids.size, 2);
    assert.deepEqual(conns.handles(false), [], 'no idle connection to offer while both are held');
    a.release();
    b.release();

    const handles = conns.handles(false);
    assert.equal(handles.length, 2);
    for (const h of handles) {
      assert.ok(Object.isFrozen(h));
      assert.deepEqual(Object.keys(h).sort(), ['id', 'inFlight', 'instance', 'leases']);
      assert.equal(h.instance, conns.instance);
      assert.equal(h.leases, 0);
    }
    assert.notEqual(handles[0]!.id, handles[1]!.id);

    for (const h of handles) {
      const held = conns.acquireOn(h)!;
      const pid = await held.fetchval<number>('SELECT pg_backend_pid()');
      assert.ok(pids.has(pid));
      assert.equal(conns.acquireOn(h), undefined, 'not idle any more');
      // A statement for this handle while it is held exclusively goes to the other connection.
      assert.notEqual(await conns.runOn<{ p: number }>(h, 'SELECT pg_backend_pid() AS p').then((r) => r.rows[0]!.p), pid);
      held.release();
      assert.equal((await conns.runOn<{ p: number }>(h, 'SELECT pg_backend_pid() AS p')).rows[0]!.p, pid, 'runs on exactly its connection');
    }
    const shared = conns.handles(true);
    assert.equal(shared.length, 2, 'both have room for a pipelined statement');
    assert.equal(conns.stats().leases, 0, 'every lease ended');
  } finally {
    await conns.close();
  }
});

test('a handle from other connections is used as "any connection here"; a released PoolConnection throws on a second release', async () => {
  const first = connectionsToFirst(1);
  const other = connectionsToFirst(1);
  try {
    await first.fetchval('SELECT 1');
    const [stranger] = first.handles(true);
    assert.equal(await other.runOn<{ one: number }>(stranger!, 'SELECT 1 AS one').then((r) => r.rows[0]!.one), 1);
    assert.equal(other.acquireOn(stranger!), undefined);
    const conn = await other.acquire();
    conn.release();
    assert.throws(() => conn.release(), (e: unknown) => e instanceof PicotsError && e.code === 'ERR_PICOTS_RELEASED');
    assert.throws(() => conn.destroy(), (e: unknown) => e instanceof PicotsError && e.code === 'ERR_PICOTS_RELEASED');
    assert.equal(other.idleCount, 1, 'the second release did not touch the pool');
  } finally {
    await Promise.all([first.close(), other.close()]);
  }
});
