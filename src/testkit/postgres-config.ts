import { ConfigError } from '../errors.js';
import type { StandInUsers } from './users.js';

/**
 * PostgreSQL listens on at most 64 sockets (MAXLISTEN, fixed when it is compiled), its unix socket
 * among them: this many TCP addresses can be listened on one by one.
 */
export const MAX_LISTEN_ADDRESSES = 63;

/**
 * Per address: an instance needs a connection or two per client, and a test may run two clients.
 * Never below the kit's long-standing 300.
 */
const CONNECTIONS_PER_ADDRESS = 4;

/** Paths of the server's TLS files. */
export interface ServerTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** What the server configuration depends on. */
export interface ServerConfigInput {
  readonly addresses: readonly string[];
  readonly socketDir: string;
  readonly tls?: ServerTlsFiles;
  /** More settings, appended last so they win. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Lines appended to `postgresql.conf`. The port is not here: it is given on the command line so that a
 * start retried on another port needs no rewrite.
 */
export function serverSettings(input: ServerConfigInput): string {
  const settings: Record<string, string | number | boolean> = {
    listen_addresses: listenAddresses(input.addresses),
    unix_socket_directories: input.socketDir,
    max_connections: Math.max(300, CONNECTIONS_PER_ADDRESS * input.addresses.length + 50),
    // A test server keeps nothing worth a crash-safe write: these cut start, DDL and commit time.
    fsync: false,
    synchronous_commit: false,
    full_page_writes: false,
    shared_buffers: '32MB',
    // Background work only steals CPU from the tests on small machines.
    autovacuum: false,
    jit: false,
    password_encryption: 'scram-sha-256',
    lc_messages: 'C',
    // What Picodata reports and uses (its ParameterStatus after login); clients cannot change them there.
    timezone: 'UTC',
    datestyle: 'ISO, MDY',
    log_line_prefix: '%m [%p] ',
    ...(input.tls
      ? { ssl: true, ssl_cert_file: input.tls.certFile, ssl_key_file: input.tls.keyFile, ssl_ca_file: input.tls.caFile }
      : {}),
    ...input.settings,
  };
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${settingValue(value)}`);
  return `\n# picots stand-in settings\n${lines.join('\n')}\n`;
}

/**
 * The addresses one by one while PostgreSQL can listen on each; beyond that, the IPv4 wildcard, which
 * takes connections to every loopback address at once. `inet_server_addr()` still answers the address a
 * session came to, so each loopback address still plays its own instance; pg_hba.conf admits TCP logins
 * from 127.0.0.0/8 only, so the wildcard lets in no one from another host. Only for loopback addresses.
 */
export function listenAddresses(addresses: readonly string[]): string {
  if (addresses.length <= MAX_LISTEN_ADDRESSES) return addresses.join(',');
  const other = addresses.find((a) => !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a));
  if (other !== undefined) {
    throw new ConfigError('addresses', `PostgreSQL listens on at most ${MAX_LISTEN_ADDRESSES} addresses; more are allowed only when all are IPv4 loopback (127.x.x.x), not ${other}`);
  }
  return '0.0.0.0';
}

function settingValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The whole `pg_hba.conf`: the superuser over the unix socket only (the admin path, no password), each
 * test user over TCP from loopback with its own method. `host` rules match TLS and plaintext alike;
 * the TLS-only user gets a `hostssl` rule, and none at all on a server without TLS (where PostgreSQL
 * would warn that the rule can never match).
 */
export function hbaRules(superuser: string, users: StandInUsers, tls: boolean): string {
  const rules = [`local all ${superuser} trust`];
  for (const u of Object.values(users)) {
    if (u.tlsOnly && !tls) continue;
    rules.push(`${u.tlsOnly ? 'hostssl' : 'host'} all ${u.user} 127.0.0.0/8 ${u.method}`);
  }
  return `# picots stand-in: generated at start\n${rules.join('\n')}\n`;
}
