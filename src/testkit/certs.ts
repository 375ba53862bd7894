import { randomInt } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './run-command.js';

/** A throw-away certificate authority with one server and one client certificate, as files and PEM text. */
export interface TlsMaterial {
  /** The directory that holds every file below. */
  readonly dir: string;
  /** Path of the CA certificate (PEM): `sslrootcert` in a DSN. */
  readonly caFile: string;
  /** Path of the server certificate (PEM), signed by the CA. */
  readonly serverCertFile: string;
  /** Path of the server key (PEM). */
  readonly serverKeyFile: string;
  /** Path of the client certificate (PEM), for mutual TLS: `sslcert` in a DSN. */
  readonly clientCertFile: string;
  /** Path of the client key (PEM): `sslkey` in a DSN. */
  readonly clientKeyFile: string;
  /** PEM of the CA certificate: what a client trusts (`ca` in Node's `tls.connect`). */
  readonly ca: string;
  /** PEM of the server certificate. */
  readonly serverCert: string;
  /** PEM of the server key, for a TLS-terminating gateway that stands in front of the server. */
  readonly serverKey: string;
  /** PEM of the client certificate: `cert` in the `ssl` option. */
  readonly clientCert: string;
  /** PEM of the client key: `key` in the `ssl` option. */
  readonly clientKey: string;
  /** The client certificate's common name. */
  readonly clientCommonName: string;
}

/** What the certificates are for. */
export interface CertificateOptions {
  /** IP addresses in the server certificate's subjectAltName, e.g. `['127.0.0.1', '127.0.0.2']`. */
  readonly ipAddresses: readonly string[];
  /** DNS names in the server certificate's subjectAltName; `localhost` by default. */
  readonly dnsNames?: readonly string[];
  /** Common name of the client certificate (a user name, for `clientcert=verify-full`). */
  readonly clientCommonName: string;
  /** Bound on each `openssl` run. */
  readonly timeoutMs?: number;
}

/**
 * Makes a self-signed CA, a server certificate signed by it (SAN: the given IPs and DNS names) and a
 * client certificate, with the `openssl` command into `dir`. Keys are EC P-256: generating them takes
 * milliseconds where RSA takes a noticeable part of a test run's start.
 *
 * @example
 * ```ts
 * const tls = await makeCertificates('/tmp/x/certs', { ipAddresses: ['127.0.0.1'], clientCommonName: 'app' });
 * tlsConnect({ host: '127.0.0.1', port, ca: tls.ca });
 * ```
 */
export async function makeCertificates(dir: string, options: CertificateOptions): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const config = file('openssl.cnf');
  await writeFile(config, opensslConfig(options));
  const openssl = (...args: string[]) => runCommand('openssl', args, { timeoutMs: options.timeoutMs ?? 20_000, cwd: dir });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const days = ['-days', '3650'];

  await openssl('req', '-x509', '-new', '-config', config, '-extensions', 'ca_ext', ...newKey, ...days,
    '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=picots stand-in CA');
  const sign = async (name: string, subject: string, extensions: string): Promise<void> => {
    await openssl('req', '-new', '-config', config, ...newKey,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    await openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
      '-set_serial', String(randomInt(1, 2 ** 47)), ...days, '-extfile', config, '-extensions', extensions,
      '-out', file(`${name}.crt`));
    // PostgreSQL and libpq refuse private keys that others can read.
    await chmod(file(`${name}.key`), 0o600);
  };
  await sign('server', '/CN=localhost', 'server_ext');
  await sign('client', `/CN=${options.clientCommonName}`, 'client_ext');
  await chmod(file('ca.key'), 0o600);

  const pem = (name: string) => readFile(file(name), 'utf8');
  return {
    dir,
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    ca: await pem('ca.crt'),
    serverCert: await pem('server.crt'),
    serverKey: await pem('server.key'),
    clientCert: await pem('client.crt'),
    clientKey: await pem('client.key'),
    clientCommonName: options.clientCommonName,
  };
}

function opensslConfig(options: CertificateOptions): string {
  const names = [
    ...options.ipAddresses.map((ip) => `IP:${ip}`),
    ...(options.dnsNames ?? ['localhost']).map((dns) => `DNS:${dns}`),
  ];
  // An own config keeps the result independent of the distribution's openssl.cnf defaults.
  return `[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${names.join(', ')}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;
}
