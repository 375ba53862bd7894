import { runCommand } from './run-command.js';

/** How to reach the server as its superuser: psql over the unix socket, no password. */
export interface AdminTarget {
  /** Path of the `psql` program. */
  readonly psql: string;
  /** Directory of the server's unix socket. */
  readonly socketDir: string;
  /** The server's port (also names its unix socket). */
  readonly port: number;
  /** The superuser to run as, over the unix socket. */
  readonly superuser: string;
}

/** Options of {@link runPsql}. */
export interface PsqlOptions {
  /** Database to run in; `picots` by default. */
  readonly database?: string;
  /** Bound on the whole psql run; 30 s by default. */
  readonly timeoutMs?: number;
}

/**
 * Runs SQL as the superuser with `psql` over the unix socket and returns what it printed (unaligned,
 * tuples only: one row a line, columns separated by `|`), without the final newline.
 *
 * The script goes through stdin, so it may hold several statements; each is sent on its own, which lets
 * it contain `CREATE DATABASE`. The first error stops it and rejects with psql's message.
 *
 * The kit drives the server with psql rather than picots itself, so a bug in the code under test cannot
 * hide in the harness that tests it.
 */
export async function runPsql(target: AdminTarget, sql: string, options: PsqlOptions = {}): Promise<string> {
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
    '-h', target.socketDir, '-p', String(target.port), '-U', target.superuser, '-d', options.database ?? 'picots', '-f', '-'];
  const { stdout } = await runCommand(target.psql, args, {
    timeoutMs: options.timeoutMs ?? 30_000,
    input: sql,
    env: psqlEnv(),
  });
  return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
}

/** The caller's environment without libpq's PG* variables, which could point psql somewhere else. */
function psqlEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('PG')) env[name] = value;
  }
  env.PGCONNECT_TIMEOUT = '10';
  env.PGAPPNAME = 'picots-testkit';
  env.LC_ALL = 'C';
  return env;
}
