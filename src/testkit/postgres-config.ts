import type { StandInUsers } from './users.js';

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
    listen_addresses: input.addresses.join(','),
    unix_socket_directories: input.socketDir,
    max_connections: 300,
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
