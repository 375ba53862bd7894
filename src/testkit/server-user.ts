import { execFileSync } from 'node:child_process';
import { StandInError } from './stand-in-error.js';

/** The OS user the PostgreSQL server runs as. */
export interface ServerUser {
  readonly uid: number;
  readonly gid: number;
  /** True when the server runs as the current process's user (no uid switch, no chown). */
  readonly isSelf: boolean;
}

/**
 * Picks the OS user for the server. PostgreSQL refuses to run as root, so as root the server runs as the
 * `postgres` user, which is created (`useradd --system`) when missing. Anyone else runs it as themselves.
 */
export function resolveServerUser(): ServerUser {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined) {
    throw new StandInError('the stand-in cluster needs a POSIX system (process.getuid is missing)');
  }
  if (uid !== 0) return { uid, gid, isSelf: true };
  const existing = lookUp('postgres');
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      timeout: 10_000,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    throw new StandInError(
      'running as root, the PostgreSQL server needs an unprivileged OS user, and `useradd --system postgres` failed',
      { cause: error },
    );
  }
  const created = lookUp('postgres');
  if (!created) throw new StandInError('created the OS user postgres but `id postgres` still does not find it');
  return created;
}

function lookUp(name: string): ServerUser | undefined {
  const id = (flag: string): number | undefined => {
    try {
      const out = execFileSync('id', [flag, name], { timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
      return Number.parseInt(out.toString('utf8').trim(), 10);
    } catch {
      return undefined;
    }
  };
  const uid = id('-u');
  const gid = id('-g');
  return uid === undefined || gid === undefined ? undefined : { uid, gid, isSelf: false };
}
