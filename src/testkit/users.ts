import { quoteIdent, quoteLiteral } from './sql-text.js';

/** Which of the stand-in's test users: one per way Picodata accepts a password, plus a TLS-only one. */
export type UserKind = 'scram' | 'md5' | 'cleartext' | 'tlsOnly';

/** A login the stand-in server accepts over TCP. */
export interface StandInUser {
  /** The login name. */
  readonly user: string;
  /** Meets Picodata's password policy: 8+ characters with upper and lower case letters and a digit. */
  readonly password: string;
  /** The pg_hba method, i.e. what the server asks the client for. */
  readonly method: 'scram-sha-256' | 'md5' | 'password';
  /**
   * Accepted only over TLS (a `hostssl` rule): a plaintext login fails, which is how a test sees "TLS
   * required". On a server without TLS this user cannot log in at all.
   */
  readonly tlsOnly: boolean;
}

/** The test users, by kind. */
export type StandInUsers = Readonly<Record<UserKind, StandInUser>>;

/**
 * The stand-in's users. The passwords are fixed, not secret: the server listens on loopback only and
 * lives as long as a test run, and fixed values make a failing test easy to repeat by hand with psql.
 */
export const STAND_IN_USERS: StandInUsers = {
  scram: { user: 'picots_scram', password: 'ScramSecret1', method: 'scram-sha-256', tlsOnly: false },
  md5: { user: 'picots_md5', password: 'Md5Secret1', method: 'md5', tlsOnly: false },
  cleartext: { user: 'picots_cleartext', password: 'ClearSecret1', method: 'password', tlsOnly: false },
  tlsOnly: { user: 'picots_tls', password: 'TlsSecret1', method: 'scram-sha-256', tlsOnly: true },
};

/** A NOLOGIN role that every test user is a member of, so grants are written once. */
export const CLIENTS_ROLE = 'picots_clients';

/**
 * SQL that creates the users. An md5 login needs the password stored as an md5 hash, so that user is
 * created with `password_encryption = 'md5'` for the session; the others are stored as SCRAM verifiers.
 */
export function createUsersSql(users: StandInUsers): string {
  const lines = [`CREATE ROLE ${quoteIdent(CLIENTS_ROLE)} NOLOGIN;`];
  for (const u of Object.values(users)) {
    const encryption = u.method === 'md5' ? 'md5' : 'scram-sha-256';
    lines.push(
      `SET password_encryption = '${encryption}';`,
      `CREATE ROLE ${quoteIdent(u.user)} LOGIN PASSWORD ${quoteLiteral(u.password)} IN ROLE ${quoteIdent(CLIENTS_ROLE)};`,
    );
  }
  lines.push('RESET password_encryption;');
  return lines.join('\n');
}

/**
 * SQL, run inside one database, that lets every test user create and use tables there, including
 * tables another test user created.
 */
export function grantDatabaseSql(database: string, users: StandInUsers): string {
  const role = quoteIdent(CLIENTS_ROLE);
  const owners = Object.values(users).map((u) => quoteIdent(u.user)).join(', ');
  return [
    `GRANT ALL ON DATABASE ${quoteIdent(database)} TO ${role};`,
    `GRANT ALL ON SCHEMA public TO ${role};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owners} IN SCHEMA public GRANT ALL ON TABLES TO ${role};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owners} IN SCHEMA public GRANT ALL ON SEQUENCES TO ${role};`,
  ].join('\n');
}
