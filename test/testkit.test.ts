import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, sleep } from './helpers/wait.js';
import pg from 'pg';
import { ConfigError } from '../src/errors.js';
import {
  attachStandIn, findPostgresBinaries, startStandIn, StandInError, type StandIn, type UserKind,
} from '../src/testkit/index.js';
import { useStandIn } from './helpers/stand-in.js';

const shared = await useStandIn();
// The tests that change the cluster get their own, so other files sharing the run's stand-in see three Online instances.
const own = await useStandIn({ own: true, instances: 2, spareAddresses: 1, tls: false });

async function query(connectionString: string, sql: string, ssl?: pg.ClientConfig['ssl']): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString, ssl, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Sends a StartupMessage and returns the authentication request code: 3 cleartext, 5 md5, 10 SASL. */
async function authRequestCode(host: string, port: number, user: string): Promise<number> {
  const socket = connect({ host, port });
  try {
    await once(socket, 'connect', { signal: AbortSignal.timeout(5000) });
    const params = Buffer.from(`user\0${user}\0database\0picots\0\0`);
    const message = Buffer.alloc(8 + params.length);
    message.writeInt32BE(message.length, 0);
    message.writeInt32BE(196608, 4); // protocol 3.0
    params.copy(message, 8);
    socket.write(message);
    const [reply] = (await once(socket, 'data', { signal: AbortSignal.timeout(5000) })) as [Buffer];
    assert.equal(String.fromCharCode(reply[0] ?? 0), 'R', `expected an authentication request, got ${reply.toString('latin1')}`);
    return reply.readInt32BE(5);
  } finally {
    socket.destroy();
  }
}

/** Live (non-zombie) processes whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      const state = (await readFile(`/proc/${entry}/stat`, 'utf8')).split(') ')[1]?.[0];
      if (cmdline.includes(text) && state !== 'Z') found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Live children of `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = (await readFile(`/proc/${entry}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
      if (Number(fields[1]) === pid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** True while `pid` runs; a zombie (exited, not yet reaped) counts as gone. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}


describe('test users', () => {
  const methods: Array<[UserKind, number]> = [['scram', 10], ['md5', 5], ['cleartext', 3]];
  for (const [kind, code] of methods) {
    test(`${kind}: the server asks for that method and accepts the password over TCP`, async () => {
      const { user } = shared.users[kind];
      const first = shared.instances[0];
      assert.ok(first);
      assert.equal(await authRequestCode(first.host, first.port, user), code);
      const { rows } = await query(shared.dsn(kind), 'SELECT current_user AS who, current_database() AS db');
      assert.deepEqual(rows, [{ who: user, db: 'picots' }]);
    });
  }

  test('passwords meet Picodata policy', () => {
    for (const { password } of Object.values(shared.users)) {
      assert.match(password, /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,}$/);
    }
  });

  test('a wrong password is refused with 28P01', async () => {
    const dsn = shared.dsn('md5').replace(encodeURIComponent(shared.users.md5.password), 'Wrong-Passw0rd');
    await assert.rejects(query(dsn, 'SELECT 1'), { code: '28P01' });
  });

  test('the tlsOnly user is refused in plaintext and accepted over TLS, certificates verified', async () => {
    const tls = shared.tls;
    assert.ok(tls, 'the shared stand-in runs with TLS');
    await assert.rejects(query(shared.dsn('tlsOnly'), 'SELECT 1', false), { code: '28000' });
    const dsn = shared.dsn('tlsOnly', { instance: 'i2' });
    const { rows } = await query(dsn, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', { ca: tls.ca });
    assert.deepEqual(rows, [{ ssl: true }]);
    const mutual = await query(dsn, 'SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()', {
      ca: tls.ca, cert: tls.clientCert, key: tls.clientKey,
    });
    assert.deepEqual(mutual.rows, [{ client_dn: `/CN=${tls.clientCommonName}` }]);
    assert.ok(existsSync(tls.caFile) && existsSync(tls.clientKeyFile));
  });

  test('plain users may use TLS too', async () => {
    const { rows } = await query(shared.dsn('scram'), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', { ca: shared.tls?.ca });
    assert.deepEqual(rows, [{ ssl: true }]);
  });
});

describe('instances', () => {
  test('each instance address answers with its own uuid', async () => {
    assert.equal(shared.instances.length, 3);
    for (const [index, instance] of shared.instances.entries()) {
      assert.equal(instance.host, `127.0.0.${index + 1}`);
      const { rows } = await query(shared.dsn('scram', { instance: instance.name }),
        'SELECT pico_instance_uuid() AS a, instance_uuid() AS b, host(inet_server_addr()) AS host');
      assert.deepEqual(rows, [{ a: instance.uuid, b: instance.uuid, host: instance.host }]);
    }
  });

  test('the discovery tables have Picodata column types and list every instance as Online', async () => {
    const result = await query(shared.dsn('md5'),
      `SELECT ppa.address, pi.current_state, pi.raft_id, pi.uuid FROM _pico_peer_address ppa
       JOIN _pico_instance pi ON ppa.raft_id = pi.raft_id WHERE connection_type = 'pgproto' ORDER BY pi.raft_id`);
    const types = Object.fromEntries(result.fields.map((f) => [f.name, f.dataTypeID]));
    assert.deepEqual(types, { address: 25, current_state: 114, raft_id: 20, uuid: 25 });
    assert.deepEqual(result.rows.map((r) => [r.address, r.current_state, r.uuid]),
      shared.instances.map((i) => [i.address, ['Online', 1], i.uuid]));
    const iproto = await query(shared.dsn('md5'), `SELECT count(*)::int AS n FROM _pico_peer_address WHERE connection_type = 'iproto'`);
    assert.deepEqual(iproto.rows, [{ n: 3 }]);
  });

  test('the Picodata name functions answer for a uuid', async () => {
    const i2 = shared.instance('i2');
    const { rows } = await query(shared.dsn(), `SELECT pico_instance_name('${i2.uuid}') AS n, pico_replicaset_name('${i2.uuid}') AS r, pico_tier_name('${i2.uuid}') AS t`);
    assert.deepEqual(rows, [{ n: 'i2', r: i2.replicasetName, t: 'default' }]);
  });

  test('sql() runs as the superuser over the unix socket', async () => {
    assert.equal(await shared.sql('SELECT current_user, inet_server_addr() IS NULL'), 'postgres|t');
    assert.equal(await shared.sql('SELECT 1; SELECT 2'), '1\n2');
    await assert.rejects(shared.sql('SELECT * FROM no_such_table'), StandInError);
  });

  test('an unknown instance name is a ConfigError', () => {
    assert.throws(() => shared.dsn('scram', { instance: 'i9' }), ConfigError);
  });
});

describe('legacy schema (Picodata 24.x shape)', () => {
  test('has instance_id/current_grade, no connection_type, and only instance_uuid()', async () => {
    const db = shared.databases.legacy;
    const columns = (table: string) => shared.sql(
      `SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '${table}'`, db);
    assert.equal(await columns('_pico_instance'),
      'instance_id,instance_uuid,raft_id,replicaset_id,replicaset_uuid,current_grade,target_grade,failure_domain,tier');
    assert.equal(await columns('_pico_peer_address'), 'raft_id,address');

    const i2 = shared.instance('i2');
    const dsn = shared.dsn('scram', { instance: 'i2', database: db });
    const { rows } = await query(dsn, `SELECT instance_uuid() AS me, (SELECT current_grade FROM _pico_instance WHERE instance_id = 'i2') AS grade`);
    assert.deepEqual(rows, [{ me: i2.uuid, grade: ['Online', 1] }]);
    await assert.rejects(query(dsn, 'SELECT pico_instance_uuid()'), { code: '42883' });
  });
});

describe('changing the cluster', () => {
  const stateOf = async (standIn: StandIn, name: string) => {
    const current = await query(standIn.dsn(), `SELECT current_state::text AS c, target_state::text AS t FROM _pico_instance WHERE name = '${name}'`);
    const legacy = await standIn.sql(`SELECT current_grade::text FROM _pico_instance WHERE instance_id = '${name}'`, standIn.databases.legacy);
    return { ...current.rows[0], legacy };
  };

  test('setState changes current_state and target_state in both schemas', async () => {
    await own.setState('i2', 'Offline');
    assert.deepEqual(await stateOf(own, 'i2'), { c: '["Offline",1]', t: '["Offline",1]', legacy: '["Offline",1]' });
    assert.equal(own.instance('i2').state, 'Offline');
    await own.setState('i2', 'Offline', 'Online');
    assert.deepEqual(await stateOf(own, 'i2'), { c: '["Offline",2]', t: '["Online",2]', legacy: '["Offline",2]' });
    await own.setState('i2', 'Online');
    assert.deepEqual(await stateOf(own, 'i2'), { c: '["Online",2]', t: '["Online",2]', legacy: '["Online",2]' });
    await assert.rejects(own.setState('i9', 'Online'), ConfigError);
  });

  test('addInstance uses a spare address without a restart; removeInstance deletes its rows', async () => {
    const added = await own.addInstance();
    assert.equal(added.name, 'i3');
    assert.equal(added.host, '127.0.0.3');
    const { rows } = await query(own.dsn('scram', { instance: 'i3' }), 'SELECT pico_instance_uuid() AS me');
    assert.deepEqual(rows, [{ me: added.uuid }]);
    await assert.rejects(own.addInstance(), StandInError, 'no spare address left');

    await own.removeInstance('i3');
    assert.equal(await own.sql(`SELECT count(*) FROM _pico_peer_address WHERE raft_id = 3`), '0');
    assert.equal(await own.sql(`SELECT count(*) FROM _pico_instance WHERE instance_id = 'i3'`, own.databases.legacy), '0');
    assert.deepEqual(own.instances.map((i) => i.name), ['i1', 'i2']);
    const after = await query(`postgresql://picots_scram:ScramSecret1@${added.address}/picots`, 'SELECT pico_instance_uuid() AS me');
    assert.deepEqual(after.rows, [{ me: null }]);
  });

  test('terminateBackends ends the sessions of one instance only', async () => {
    const onI1 = new pg.Client({ connectionString: own.dsn('scram', { instance: 'i1' }), connectionTimeoutMillis: 5000 });
    const onI2 = new pg.Client({ connectionString: own.dsn('scram', { instance: 'i2' }), connectionTimeoutMillis: 5000 });
    onI1.on('error', () => {});
    onI2.on('error', () => {});
    await Promise.all([onI1.connect(), onI2.connect()]);
    try {
      assert.equal(await own.terminateBackends('i1'), 1);
      await assert.rejects(onI1.query('SELECT 1'));
      assert.deepEqual((await onI2.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      assert.equal(await own.terminateBackends('i1'), 0);
    } finally {
      await Promise.allSettled([onI1.end(), onI2.end()]);
    }
  });

  test('an attached handle drives the same server and does not stop it', async () => {
    const attached = attachStandIn(JSON.stringify(own.describe()));
    assert.equal(attached.owned, false);
    assert.equal(attached.dsn('md5', { instance: 'i2' }), own.dsn('md5', { instance: 'i2' }));
    await attached.stop();
    assert.equal(await own.sql('SELECT 1'), '1');
    assert.throws(() => attachStandIn('{"kind":"something else"}'), ConfigError);
  });
});

describe('lifecycle', () => {
  test('stop() ends every server process and removes the directory, and may be called twice', async () => {
    const standIn = await startStandIn({ instances: 1, spareAddresses: 0 });
    const { baseDir, dataDir } = standIn.describe();
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const client = new pg.Client({ connectionString: standIn.dsn(), connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect(); // a session open at stop() must not keep anything alive
    const children = await childrenOf(pid);
    assert.ok(children.length > 0);

    await Promise.all([standIn.stop(), standIn.stop()]);
    await standIn.stop();
    await client.end().catch(() => {});
    assert.equal(await isAlive(pid), false);
    assert.deepEqual((await Promise.all(children.map(async (c) => ((await isAlive(c)) ? c : 0)))).filter(Boolean), []);
    assert.deepEqual(await processesMentioning(baseDir), []);
    assert.equal(existsSync(baseDir), false);
  });

  for (const how of ['process.exit', 'SIGKILL'] as const) {
    test(`a process that ends by ${how} without stop() leaves nothing behind`, async () => {
      const kit = new URL('../src/testkit/index.ts', import.meta.url).href;
      const ending = how === 'SIGKILL' ? `process.kill(process.pid, 'SIGKILL')` : 'process.exit(3)';
      const code = `const { startStandIn } = await import(${JSON.stringify(kit)});
        const s = await startStandIn({ instances: 1, spareAddresses: 0 });
        process.stdout.write(JSON.stringify(s.describe()) + '\\n', () => { ${ending}; });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await once(child, 'close', { signal: AbortSignal.timeout(30_000) });
      const { baseDir } = JSON.parse(output) as { baseDir: string };
      const clean = await eventually(async () => !existsSync(baseDir) && (await processesMentioning(baseDir)).length === 0, 15_000, 50);
      assert.ok(clean, `after ${how}: ${baseDir} exists=${existsSync(baseDir)}, processes=${await processesMentioning(baseDir)}`);
    });
  }
});

describe('finding PostgreSQL', () => {
  test('PICOTS_PG_BINDIR without a server is a ConfigError that says how to get one', () => {
    assert.throws(() => findPostgresBinaries({ ...process.env, PICOTS_PG_BINDIR: '/nonexistent' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /apt-get install postgresql-15/);
      return true;
    });
  });

  test('finds the installed server', () => {
    const found = findPostgresBinaries({ ...process.env, PICOTS_PG_BINDIR: '' });
    assert.ok(existsSync(found.initdb) && existsSync(found.postgres) && existsSync(found.psql));
  });
});
