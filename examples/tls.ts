/**
 * TLS. Picodata turns TLS on per instance (`instance.pgproto.tls`), and with a `ca.crt` in the instance
 * directory it asks clients for a certificate too (mutual TLS). picots takes libpq's sslmode names.
 *
 *   node --import tsx examples/tls.ts
 */
import { readFileSync } from 'node:fs';
import { Client, Pool } from 'picots';

async function main(): Promise<void> {
  // 1. In the DSN, as libpq has it: the files are read once, when the pool is made.
  const fromDsn = new Client({
    dsn: 'postgresql://app:Secret123@db1.example.com:4327?sslmode=verify-full&sslrootcert=/etc/picodata/ca.crt',
  });

  // 2. As an option, with PEM contents (from a secret store, say): verify-ca checks the chain but not the
  //    host name, for servers reached by an address their certificate does not name.
  const mutual = new Pool({
    dsn: 'postgresql://app@10.0.0.1:4327,10.0.0.2:4327',
    password: process.env.PICODATA_PASSWORD,
    ssl: {
      mode: 'verify-ca',
      ca: readFileSync('/etc/picodata/ca.crt'),
      cert: readFileSync('/etc/picots/client.crt'), // for mutual TLS
      key: readFileSync('/etc/picots/client.key'),
    },
    enableDiscovery: true,
  });

  // 3. `require` encrypts without checking the certificate; `prefer` (the default) falls back to plain TCP
  //    when the server has TLS off; `disable` never asks.
  const encryptedOnly = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', ssl: 'require' });

  try {
    console.log(await fromDsn.fetchval('SELECT 1'), await mutual.fetchval('SELECT 1'), await encryptedOnly.fetchval('SELECT 1'));
  } finally {
    await Promise.all([fromDsn.close(), mutual.close(), encryptedOnly.close()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
