import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Connection } from '../../src/protocol/connection.js';
import { parseDsn } from '../../src/config/parse-dsn.js';
import { ConnectionError, ServerError } from '../../src/errors.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = await useStandIn();
const tls = standIn.tls;
assert.ok(tls, 'the test stand-in runs with TLS on');

function target(kind: 'scram' | 'tlsOnly' = 'tlsOnly', host?: string) {
  const dsn = parseDsn(standIn.dsn(kind));
  return { host: host ?? dsn.hosts[0]!.host, port: dsn.hosts[0]!.port, user: dsn.user, password: dsn.password, database: dsn.database };
}

async function sslInUse(conn: Connection): Promise<boolean> {
  return (await conn.fetchval<boolean>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')) === true;
}

test('sslmode=require encrypts the session (a hostssl-only user gets in)', async () => {
  const conn = await Connection.connect({ ...target(), ssl: 'require' });
  try {
    assert.equal(await sslInUse(conn), true);
  } finally {
    await conn.close();
  }
});

test('sslmode=verify-full accepts a server certificate signed by the given CA for that host', async () => {
  const conn = await Connection.connect({ ...target('tlsOnly', 'localhost'), ssl: { mode: 'verify-full', ca: tls.ca } });
  try {
    assert.equal(await sslInUse(conn), true);
  } finally {
    await conn.close();
  }
});

test('sslmode=verify-ca rejects a server whose certificate is not signed by a trusted CA', async () => {
  // Node's default CA store does not know the test CA.
  await assert.rejects(Connection.connect({ ...target(), ssl: 'verify-ca' }), (error: unknown) => {
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.phase, 'connect');
    return true;
  });
});

test('sslmode=verify-full rejects a certificate issued for another host name', async () => {
  // The certificate names localhost and 127.0.0.x, not this alias.
  await assert.rejects(
    Connection.connect({ ...target('tlsOnly', 'localhost.localdomain'), ssl: { mode: 'verify-full', ca: tls.ca } }).catch((e: unknown) => {
      // Some machines cannot resolve the alias at all: that is not the case under test.
      if (e instanceof ConnectionError && /ENOTFOUND|EAI_AGAIN/.test(e.message)) return Promise.reject(new ConnectionError('altname', { phase: 'connect', mayHaveReachedServer: false }));
      throw e;
    }),
    ConnectionError,
  );
});

test('sslmode=prefer uses TLS when the server offers it; sslmode=disable does not', async () => {
  const preferred = await Connection.connect({ ...target('scram'), ssl: 'prefer' });
  const plain = await Connection.connect({ ...target('scram'), ssl: 'disable' });
  try {
    assert.equal(await sslInUse(preferred), true);
    assert.equal(await sslInUse(plain), false);
  } finally {
    await Promise.all([preferred.close(), plain.close()]);
  }
});

test('a TLS-only user without TLS is refused by the server with a typed error', async () => {
  await assert.rejects(Connection.connect({ ...target(), ssl: 'disable' }), (error: unknown) => {
    assert.ok(error instanceof ServerError);
    assert.equal(error.code, '28000');
    return true;
  });
});

test("sslmode=require against a server that answers 'N' gives a clear error; prefer goes on in plaintext", async () => {
  // A listener that declines TLS the way Picodata does when TLS is off, then waits for the startup message.
  const seen: string[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (chunk) => {
      seen.push(chunk.readInt32BE(4) === 80877103 ? 'SSLRequest' : 'other');
      socket.write('N');
      socket.once('data', () => {
        seen.push('StartupMessage');
        socket.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    await assert.rejects(Connection.connect({ host: '127.0.0.1', port, user: 'u', ssl: 'require', connectTimeout: 2000 }), (error: unknown) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.message, /sslmode=require requires TLS.*answered N/);
      return true;
    });
    await assert.rejects(Connection.connect({ host: '127.0.0.1', port, user: 'u', ssl: 'prefer', connectTimeout: 2000 }), ConnectionError);
    assert.deepEqual(seen, ['SSLRequest', 'SSLRequest', 'StartupMessage'], 'prefer sent the startup message in plaintext after N');
  } finally {
    server.close();
  }
});
