import { rmSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import { makeCertificates, type TlsMaterial } from './certs.js';
import { guardUntilStopped } from './cleanup-guard.js';
import { findFreePort } from './free-port.js';
import { findPostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { hbaRules, serverSettings } from './postgres-config.js';
import { runPsql, type AdminTarget } from './psql.js';
import { runCommand } from './run-command.js';
import { resolveServerUser, type ServerUser } from './server-user.js';
import { StandInError } from './stand-in-error.js';
import { superviseServer, type SupervisedServer } from './supervisor.js';
import { quoteIdent } from './sql-text.js';
import { createUsersSql, grantDatabaseSql, STAND_IN_USERS, type StandInUsers } from './users.js';

/** Options of {@link startPostgres}. */
export interface PostgresServerOptions {
  /** Addresses to listen on, all with the same port; `['127.0.0.1']` by default. See {@link loopbackAddresses}. */
  readonly addresses?: readonly string[];
  /** Turn TLS on with a fresh CA, server and client certificate (see {@link TlsMaterial}). Off by default. */
  readonly tls?: boolean;
  /** The database created for the test users; `picots` by default. */
  readonly database?: string;
  /** More `postgresql.conf` settings; they override the kit's. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Bound on the server's start-up (per attempt); 20 s by default. */
  readonly startTimeoutMs?: number;
  /** The programs to run; found with {@link findPostgresBinaries} by default. */
  readonly binaries?: PostgresBinaries;
}

/** A running throw-away PostgreSQL server. */
export interface PostgresServer extends AdminTarget {
  /** The TCP port, the same on every address. */
  readonly port: number;
  /** The addresses it listens on. */
  readonly addresses: readonly string[];
  /** The temporary directory that holds everything below; removed by `stop()`. */
  readonly baseDir: string;
  /** The cluster's data directory. */
  readonly dataDir: string;
  /** Directory of the unix socket the superuser connects through. */
  readonly socketDir: string;
  /** The server's log (its stderr). */
  readonly logFile: string;
  /** The superuser's name; it logs in over the unix socket only, without a password. */
  readonly superuser: string;
  /** The database the test users own rights in. */
  readonly database: string;
  /** The users created in it, with their passwords (see {@link STAND_IN_USERS}). */
  readonly users: StandInUsers;
  /** Certificates and keys when started with `tls: true`. */
  readonly tls: TlsMaterial | undefined;
  /** The postmaster's process id. */
  readonly pid: number;
  /** Runs SQL as the superuser through psql; see {@link runPsql}. */
  sql(statement: string, database?: string): Promise<string>;
  /** Fast shutdown (SIGINT), SIGKILL after 5 s, then removes `baseDir`. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * `count` loopback addresses: `127.0.0.1`, `127.0.0.2`, ... On Linux all of 127.0.0.0/8 is local, so a
 * server can listen on each of them with one port, and each address can play one cluster instance.
 */
export function loopbackAddresses(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 254) {
    throw new ConfigError('addresses', `the loopback network has room for 1 to 254 addresses, not ${count}`);
  }
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

const SUPERUSER = 'postgres';
const START_ATTEMPTS = 5;
const STOP_GRACE_MS = 5000;

/**
 * Starts a PostgreSQL server in a new temporary directory: `initdb`, settings tuned for speed over
 * durability, password logins for the test users over TCP (see {@link STAND_IN_USERS}), the superuser
 * over a unix socket, and a database for the tests. Resolves once the server accepts connections.
 *
 * As root, the server runs as the `postgres` OS user (PostgreSQL refuses root). When this process ends
 * without `stop()`, even by SIGKILL, the server is shut down and its directory removed (supervisor.ts).
 *
 * @example
 * ```ts
 * const pg = await startPostgres({ addresses: loopbackAddresses(3), tls: true });
 * try { console.log(await pg.sql('SELECT version()')) } finally { await pg.stop() }
 * ```
 */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const addresses = options.addresses ?? ['127.0.0.1'];
  if (addresses.length === 0) throw new ConfigError('addresses', 'give at least one address to listen on');
  const binaries = options.binaries ?? findPostgresBinaries();
  const owner = resolveServerUser();
  const baseDir = await mkdtemp(join(tmpdir(), 'picots-pg-'));
  // Until the server's supervisor exists, a dying process must remove the directory itself.
  const unguardDir = guardUntilStopped({ onExit: () => removeNow(baseDir) });
  try {
    const layout = { baseDir, dataDir: join(baseDir, 'data'), socketDir: join(baseDir, 'sock'), logFile: join(baseDir, 'postgres.log') };
    await mkdir(layout.socketDir);
    const tls = options.tls
      ? await makeCertificates(join(baseDir, 'certs'), { ipAddresses: addresses, clientCommonName: STAND_IN_USERS.tlsOnly.user })
      : undefined;
    if (!owner.isSelf) await runCommand('chown', ['-R', `${owner.uid}:${owner.gid}`, baseDir], { timeoutMs: 10_000 });
    await runCommand(binaries.initdb, ['-D', layout.dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N'], {
      ...asServerUser(owner),
      cwd: baseDir,
      env: serverEnv(),
      timeoutMs: 60_000,
    });
    await appendFile(join(layout.dataDir, 'postgresql.conf'), serverSettings({
      addresses,
      socketDir: layout.socketDir,
      tls: tls && { certFile: tls.serverCertFile, keyFile: tls.serverKeyFile, caFile: tls.caFile },
      settings: options.settings,
    }));
    await writeFile(join(layout.dataDir, 'pg_hba.conf'), hbaRules(SUPERUSER, STAND_IN_USERS, tls !== undefined));

    const server = await launch({ ...layout, binaries, owner, addresses, tls, timeoutMs: options.startTimeoutMs ?? 20_000 });
    unguardDir();
    try {
      const database = options.database ?? 'picots';
      await server.sql(bootstrapSql(database), 'postgres');
      return server.withDatabase(database);
    } catch (error) {
      await server.stop();
      throw error;
    }
  } catch (error) {
    await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  } finally {
    unguardDir();
  }
}

function removeNow(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort while the process exits.
  }
}

function bootstrapSql(database: string): string {
  return [
    createUsersSql(STAND_IN_USERS),
    `CREATE DATABASE ${quoteIdent(database)};`,
    // psql's own command: the grants below act inside the new database.
    `\\connect ${quoteIdent(database)}`,
    grantDatabaseSql(database, STAND_IN_USERS),
  ].join('\n');
}

interface LaunchInput {
  readonly baseDir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  readonly binaries: PostgresBinaries;
  readonly owner: ServerUser;
  readonly addresses: readonly string[];
  readonly tls: TlsMaterial | undefined;
  readonly timeoutMs: number;
}

/** Starts the postmaster on a free port; another port is tried when one of the addresses has it taken. */
async function launch(input: LaunchInput): Promise<RunningPostgres> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort(input.addresses[0]);
    const logOffset = await fileSize(input.logFile);
    const supervised = await superviseServer({
      postgres: input.binaries.postgres,
      dataDir: input.dataDir,
      port,
      logFile: input.logFile,
      removeDir: input.baseDir,
      cwd: input.baseDir,
      env: serverEnv(),
      ...asServerUser(input.owner),
    });
    const server = new RunningPostgres(input, port, supervised);
    const outcome = await server.waitUntilReady(input.timeoutMs, logOffset);
    if (outcome === 'ready') return server;
    await server.stopKeepingFiles();
    if (attempt === START_ATTEMPTS) {
      throw new StandInError(`the PostgreSQL server found its port taken ${START_ATTEMPTS} times in a row; see ${input.logFile}`);
    }
  }
}

class RunningPostgres implements PostgresServer {
  readonly port: number;
  readonly addresses: readonly string[];
  readonly baseDir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  readonly superuser = SUPERUSER;
  database = 'postgres';
  readonly users = STAND_IN_USERS;
  readonly tls: TlsMaterial | undefined;
  readonly psql: string;
  private readonly unguard: () => void;
  private stopping: Promise<void> | undefined;

  constructor(input: LaunchInput, port: number, private readonly supervised: SupervisedServer) {
    this.port = port;
    this.addresses = input.addresses;
    this.baseDir = input.baseDir;
    this.dataDir = input.dataDir;
    this.socketDir = input.socketDir;
    this.logFile = input.logFile;
    this.tls = input.tls;
    this.psql = input.binaries.psql;
    this.unguard = guardUntilStopped({ onExit: () => supervised.shutDownNow() });
  }

  get pid(): number {
    return this.supervised.pid;
  }

  withDatabase(database: string): this {
    this.database = database;
    return this;
  }

  sql(statement: string, database = this.database): Promise<string> {
    return runPsql(this, statement, { database });
  }

  /**
   * Resolves `ready` once the postmaster says so, `port-taken` when another process has the port on
   * one of the addresses (PostgreSQL starts even when only some addresses could be bound, so the log is
   * checked either way).
   */
  async waitUntilReady(timeoutMs: number, logOffset: number): Promise<'ready' | 'port-taken'> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const exited = this.supervised.serverExited();
      if (exited || await this.postmasterStatus() === 'ready') {
        const log = await readLog(this.logFile, logOffset);
        if (PORT_TAKEN.test(log)) return 'port-taken';
        if (exited || CANNOT_LISTEN.test(log)) {
          await this.stop();
          const what = exited ? `exited during start-up (status ${this.supervised.exitStatus() ?? 'unknown'})` : 'could not listen on every address';
          throw new StandInError(`the PostgreSQL server ${what}:\n${tail(log)}`);
        }
        return 'ready';
      }
      await sleep(20);
    }
    const log = await readLog(this.logFile, logOffset);
    await this.stop();
    throw new StandInError(`the PostgreSQL server did not accept connections within ${timeoutMs} ms:\n${tail(log)}`);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutDown(false);
    return this.stopping;
  }

  /** Stops the server but keeps its directory, for a start retried on another port. */
  stopKeepingFiles(): Promise<void> {
    this.stopping ??= this.shutDown(true);
    return this.stopping;
  }

  private async shutDown(keepFiles: boolean): Promise<void> {
    // The supervisor's own bound is 5 s of grace, then SIGKILL, then up to 5 s more for the exit.
    const bound = 2 * STOP_GRACE_MS + 2000;
    const done = keepFiles ? await this.supervised.shutDownKeepingFiles(bound) : await this.supervised.shutDown(bound);
    if (!done) this.supervised.kill();
    this.unguard();
    if (!keepFiles) await rm(this.baseDir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** Line 8 of `postmaster.pid`: `starting`, `ready`, `stopping`... (PostgreSQL 10+). */
  private async postmasterStatus(): Promise<string | undefined> {
    try {
      const lines = (await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n');
      return lines[7]?.trim();
    } catch {
      return undefined;
    }
  }
}

async function readLog(file: string, offset: number): Promise<string> {
  try {
    return (await readFile(file)).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

const PORT_TAKEN = /could not bind IPv[46] address .*Address already in use/;
const CANNOT_LISTEN = /could not bind IPv[46] address|could not create any TCP\/IP sockets/;

function tail(log: string, lines = 30): string {
  const text = log.trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : '(the server log is empty)';
}


function asServerUser(owner: ServerUser): { uid?: number; gid?: number } {
  return owner.isSelf ? {} : { uid: owner.uid, gid: owner.gid };
}

/** The caller's environment without libpq's PG* variables, and with the C locale initdb always accepts. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('PG') && !name.startsWith('LC_') && name !== 'LANG') env[name] = value;
  }
  env.LC_ALL = 'C';
  return env;
}
