import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { StandInError } from './stand-in-error.js';

/** The PostgreSQL programs the stand-in cluster runs. */
export interface PostgresBinaries {
  /** The directory that holds `initdb` and `postgres`. */
  readonly bindir: string;
  /** Path of `initdb`. */
  readonly initdb: string;
  /** Path of `postgres`. */
  readonly postgres: string;
  /** `psql` from the same directory when it has one, else the first on PATH. */
  readonly psql: string;
  /** Where the programs were found: `PICOTS_PG_BINDIR`, `pg_config`, `PATH` or `/usr/lib/postgresql`. */
  readonly foundBy: string;
}

const HOW_TO_GET_ONE =
  'The picots test kit runs its stand-in cluster on a real PostgreSQL server. Install one ' +
  '(Debian/Ubuntu: `apt-get install postgresql-15`, or the `postgresql` package) or set PICOTS_PG_BINDIR ' +
  'to the directory that holds initdb and postgres.';

/**
 * Finds `initdb` and `postgres`: in `$PICOTS_PG_BINDIR`, then `pg_config --bindir`, then `PATH`, then the
 * highest version under `/usr/lib/postgresql/<version>/bin` (Debian keeps server programs off PATH).
 *
 * @throws ConfigError when PICOTS_PG_BINDIR is set but lacks the programs.
 * @throws StandInError when no server is found anywhere, saying how to install one.
 * @example
 * ```ts
 * const { bindir } = findPostgresBinaries();
 * ```
 */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const explicit = env.PICOTS_PG_BINDIR;
  if (explicit) {
    if (!hasServer(explicit)) {
      throw new ConfigError('PICOTS_PG_BINDIR', `no initdb and postgres programs in ${explicit}. ${HOW_TO_GET_ONE}`);
    }
    return binariesIn(explicit, 'PICOTS_PG_BINDIR', env);
  }
  const candidates: Array<[string | undefined, string]> = [
    [pgConfigBindir(env), 'pg_config'],
    [pathDirs(env).find(hasServer), 'PATH'],
    [debianBindir(), '/usr/lib/postgresql'],
  ];
  for (const [dir, foundBy] of candidates) {
    if (dir && hasServer(dir)) return binariesIn(dir, foundBy, env);
  }
  throw new StandInError(
    `no PostgreSQL server found (looked in $PICOTS_PG_BINDIR, \`pg_config --bindir\`, PATH and ` +
      `/usr/lib/postgresql/*/bin). ${HOW_TO_GET_ONE}`,
  );
}

function binariesIn(bindir: string, foundBy: string, env: NodeJS.ProcessEnv): PostgresBinaries {
  const psqlHere = join(bindir, 'psql');
  const psql = isExecutable(psqlHere) ? psqlHere : pathDirs(env).map((d) => join(d, 'psql')).find(isExecutable);
  if (!psql) throw new StandInError(`found a PostgreSQL server in ${bindir} but no psql client. ${HOW_TO_GET_ONE}`);
  return { bindir, initdb: join(bindir, 'initdb'), postgres: join(bindir, 'postgres'), psql, foundBy };
}

function pgConfigBindir(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { env, timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString('utf8')
      .trim();
  } catch {
    // No pg_config, or one from a client-only package: the other places may still have a server.
    return undefined;
  }
}

function debianBindir(): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync('/usr/lib/postgresql');
  } catch {
    return undefined;
  }
  const best = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .find((v) => hasServer(join('/usr/lib/postgresql', v, 'bin')));
  return best === undefined ? undefined : join('/usr/lib/postgresql', best, 'bin');
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
}

function hasServer(dir: string): boolean {
  return isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
