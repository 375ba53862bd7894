import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { StandInError } from './stand-in-error.js';

/**
 * The postmaster runs under a small shell that stays its parent for its whole life, because an
 * orphaned PostgreSQL is hard to clean up: when the postmaster's parent dies it is re-parented to PID 1,
 * and some inits (this project's CI machine's among them) never reap, so its processes would stay as
 * `postgres` zombies.
 *
 * The shell holds the read end of a pipe from this process. End of file on it, because `shutDown()`
 * closed it or because this process died in any way (even SIGKILL), means: fast shutdown (SIGINT),
 * SIGKILL after 5 s, then remove the server's directory. The shell reaps the postmaster, which reaps
 * its own children, so nothing is left. A `keep` line before the end of file leaves the directory (a
 * start retried on another port reuses it).
 *
 * Protocol on the shell's stdout: `pid <postmaster pid>` at once, `exited <status>` when it ends.
 */
const SUPERVISOR_SCRIPT = `
trap '' PIPE
pg_bin=$1 data=$2 port=$3 log=$4 dir=$5
exec 3<&0
"$pg_bin" -D "$data" -p "$port" </dev/null >>"$log" 2>&1 3<&- &
pg=$!
echo "pid $pg"
(
  keep=no
  while read -r line <&3; do [ "$line" = keep ] && keep=yes; done
  i=0
  while kill -0 "$pg" 2>/dev/null; do
    case $i in 0) kill -INT "$pg" 2>/dev/null ;; 50) kill -KILL "$pg" 2>/dev/null ;; esac
    [ "$i" -ge 100 ] && break
    sleep 0.1
    i=$((i + 1))
  done
  [ "$keep" = yes ] || rm -rf "$dir"
) &
watcher=$!
wait "$pg"
status=$?
echo "exited $status"
wait "$watcher"
exit "$status"
`;

/** What to run. */
export interface SuperviseInput {
  readonly postgres: string;
  readonly dataDir: string;
  readonly port: number;
  readonly logFile: string;
  /** Removed once the server is gone, unless `keepFiles()` was called. */
  readonly removeDir: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
}

/** A postmaster under its supervisor. */
export interface SupervisedServer {
  /** The postmaster's process id. */
  readonly pid: number;
  /** True once the postmaster has exited. */
  serverExited(): boolean;
  /** The postmaster's exit status, once it has exited. */
  exitStatus(): number | undefined;
  /** Starts the shutdown described above and resolves when it is over, or false after `timeoutMs`. */
  shutDown(timeoutMs: number): Promise<boolean>;
  /** Like `shutDown`, but leaves the directory in place. */
  shutDownKeepingFiles(timeoutMs: number): Promise<boolean>;
  /** From an `exit` handler: immediate shutdown (SIGQUIT), which needs no waiting on our side. */
  shutDownNow(): void;
  /** Last resort after a shutdown timed out. */
  kill(): void;
}

const PID_TIMEOUT_MS = 10_000;

/** Starts the postmaster under a supervisor; resolves once its pid is known. */
export async function superviseServer(input: SuperviseInput): Promise<SupervisedServer> {
  const child = spawn('/bin/sh', ['-c', SUPERVISOR_SCRIPT, 'picots-stand-in', input.postgres, input.dataDir,
    String(input.port), input.logFile, input.removeDir], {
    cwd: input.cwd,
    env: input.env,
    uid: input.uid,
    gid: input.gid,
    // Its own session: a Ctrl-C meant for the test run reaches this process, whose end then stops the
    // server in order, instead of hitting the server in the middle of the run's own cleanup.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A test that forgets stop() must still let its process end: the end of the pipe then stops the server.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket | null)?.unref();
  child.stdin?.on('error', () => {});

  const supervised = new Supervised(child);
  const deadline = Date.now() + PID_TIMEOUT_MS;
  while (supervised.pid === 0) {
    if (supervised.gone || Date.now() > deadline) {
      supervised.kill();
      throw new StandInError(`could not start the PostgreSQL supervisor shell${supervised.stderr ? `: ${supervised.stderr}` : ''}`);
    }
    await sleep(5);
  }
  return supervised;
}

class Supervised implements SupervisedServer {
  pid = 0;
  gone = false;
  stderr = '';
  private status: number | undefined;
  private readonly done: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    this.done = new Promise((resolve) => child.once('close', () => {
      this.gone = true;
      resolve();
    }));
    child.once('error', (error) => {
      this.stderr ||= error.message;
      this.gone = true;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const [word, value] = line.split(' ');
        if (word === 'pid') this.pid = Number(value);
        if (word === 'exited') this.status = Number(value);
      });
    }
  }

  serverExited(): boolean {
    return this.status !== undefined || this.gone;
  }

  exitStatus(): number | undefined {
    return this.status;
  }

  shutDown(timeoutMs: number): Promise<boolean> {
    this.child.stdin?.end();
    return this.within(timeoutMs);
  }

  shutDownKeepingFiles(timeoutMs: number): Promise<boolean> {
    this.child.stdin?.end('keep\n');
    return this.within(timeoutMs);
  }

  shutDownNow(): void {
    // SIGQUIT, not SIGKILL: a killed postmaster orphans its children (zombies under a non-reaping init)
    // and leaves its shared memory segment; SIGQUIT is as quick and lets it reap and clean up.
    if (this.pid > 0 && !this.serverExited()) signal(this.pid, 'SIGQUIT');
  }

  kill(): void {
    if (this.pid > 0 && !this.serverExited()) signal(this.pid, 'SIGKILL');
    this.child.kill('SIGKILL');
  }

  private async within(timeoutMs: number): Promise<boolean> {
    if (this.gone) return true;
    // The losing timer is cancelled: left pending, it would hold the process open for its whole length.
    const timer = new AbortController();
    const timeout = sleep(timeoutMs, false, { signal: timer.signal }).catch(() => false);
    try {
      return await Promise.race([this.done.then(() => true), timeout]);
    } finally {
      timer.abort();
    }
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
