/**
 * One instance that accepts TCP and never answers (not Online yet, or blackholed) costs only its own
 * connections: connect() and close() do not wait for it, and healthy logins do not queue behind it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Client, Pool } from '../../src/index.js';
import { startCluster, type Cluster } from '../../src/testkit/index.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();
const sockets = new Set<Socket>();
let silent: Server;
let silentAddress: string;

before(async () => {
  silent = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const a = silent.address() as { port: number };
  silentAddress = `127.0.0.1:${a.port}`;
});
after(() => {
  for (const s of sockets) s.destroy();
  silent.close();
});

/** The stand-in's DSN with the silent host listed first. */
function dsnWithSilentFirst(): string {
  const dsn = standIn.dsn('scram', { params: { sslmode: 'disable' } });
  return dsn.replace('@', `@${silentAddress},`);
}

for (const discovery of [false, true]) {
  test(`a silent seed listed first costs well under a connect timeout (discovery ${discovery ? 'on' : 'off'})`, { timeout: 30_000 }, async () => {
    const pool = new Pool({ dsn: dsnWithSilentFirst(), enableDiscovery: discovery, maxSize: 4, connectTimeout: 8_000 });
    try {
      const t0 = performance.now();
      await pool.connect();
      const took = performance.now() - t0;
      assert.ok(took < 4_000, `connect() took ${Math.round(took)} ms with an 8000 ms connect timeout`);
      assert.equal(typeof (await pool.fetchval('SELECT 1')), 'number');
      const t1 = performance.now();
      await pool.close({ drainTimeout: 100 });
      assert.ok(performance.now() - t1 < 4_000, 'close() does not wait for the silent connect');
    } finally {
      await pool.terminate();
    }
  });
}

test('a discovered instance that never answers the handshake does not hold up connect()', { timeout: 60_000 }, async () => {
  const cluster: Cluster = await startCluster({ instances: 3 });
  try {
    cluster.blackhole('i3');
    const client = new Client({ dsn: cluster.dsn('scram', { instance: 'i1' }), poolSize: 6, connectTimeout: 8_000 });
    try {
      const t0 = performance.now();
      await client.connect();
      const took = performance.now() - t0;
      assert.ok(took < 4_000, `connect() took ${Math.round(took)} ms with an 8000 ms connect timeout`);
      const names = new Map(cluster.instances.map((i) => [i.uuid, i.name]));
      const answers = await Promise.all(Array.from({ length: 20 }, () => client.fetchval<string>('SELECT pico_instance_uuid()', [], { timeout: 6_000 })));
      assert.ok(answers.every((u) => names.get(u!) !== undefined));
    } finally {
      await client.terminate();
    }
  } finally {
    await cluster.stop();
  }
});
