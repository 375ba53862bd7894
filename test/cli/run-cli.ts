/** Runs the `picots` command in-process or as a child process and collects what it printed. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

/** What one run printed and its exit code. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  tty?: boolean;
  signal?: AbortSignal;
  /** Called with each line written to stdout (e.g. to abort after a few rounds of `--watch`). */
  onOut?: (text: string) => void;
}

/** `main(argv)` with a captured io; the environment is only what `env` gives (no PICOTS_DSN leaks in). */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => {
      out.push(t);
      options.onOut?.(t);
    },
    err: (t) => void err.push(t),
    env: options.env ?? {},
    stdoutIsTTY: options.tty ?? false,
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A `picots` child process (node + tsx on src/cli/bin.ts) with its output collected as it comes. */
export interface CliChild {
  readonly child: ReturnType<typeof spawn>;
  /** stdout so far. */
  out(): string;
  /** stderr so far. */
  err(): string;
  /**
   * Resolves on exit with the code and the output; kills it with SIGKILL after `ms`. A process ended by a
   * signal (not by its own exit) has code -1 and `signal` set.
   */
  exit(ms: number): Promise<CliRun & { killed: boolean; signal: NodeJS.Signals | null }>;
}

/** Starts `picots argv...` as its own process; `env` is added to a copy of this process's environment minus PICOTS_DSN. */
export function spawnCli(argv: string[], env: Record<string, string> = {}): CliChild {
  const { PICOTS_DSN: _ignored, ...base } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...argv], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal }));
  });
  return {
    child,
    out: () => out,
    err: () => err,
    async exit(ms) {
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, ms);
      const { code, signal } = await exited;
      clearTimeout(timer);
      return { code, signal, out, err, killed };
    },
  };
}
