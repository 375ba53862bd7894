import { spawn } from 'node:child_process';
import { StandInError } from './stand-in-error.js';

/** What a finished command printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run one command. */
export interface CommandOptions {
  /** Kill the command (SIGKILL) and fail after this long. */
  readonly timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this OS user (needs root): PostgreSQL refuses to run as root. */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Runs a command to completion and resolves with its output; rejects with a {@link StandInError} that
 * quotes the command and its stderr when it fails, cannot start, or outlives `timeoutMs`.
 */
export function runCommand(file: string, args: readonly string[], options: CommandOptions): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const shown = [file, ...args].join(' ');
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A command that exits before reading its input makes the write fail with EPIPE; its exit status
    // says what went wrong, so the write error itself is not interesting.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');

    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new StandInError(`could not run ${shown}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (timedOut) {
        reject(new StandInError(`${shown} did not finish within ${options.timeoutMs} ms${quote(out.stderr)}`));
      } else if (code !== 0) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new StandInError(`${shown} ${how}${quote(out.stderr || out.stdout)}`));
      } else {
        resolve(out);
      }
    });
  });
}

function quote(output: string): string {
  const text = output.trim();
  return text ? `:\n${text}` : '';
}
