/**
 * The processes the orchestrator starts (workload children and pgbench), one at a time, so that
 * Ctrl-C or an error can end exactly those, by pid.
 */
import { spawn } from 'node:child_process';
import { RESULT_PREFIX, type Measurement } from './workloads/types.js';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class Children {
  private readonly running = new Set<number>();

  /** Runs a program to its end, collecting its output; kills it after `timeoutMs`. */
  run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<Finished> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      const pid = child.pid;
      if (pid !== undefined) this.running.add(pid);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const timer = setTimeout(() => {
        stderr += `\n(killed after ${options.timeoutMs} ms)`;
        child.kill('SIGKILL');
      }, options.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        if (pid !== undefined) this.running.delete(pid);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (pid !== undefined) this.running.delete(pid);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /** Runs a workload file in a fresh `node` (with tsx) and returns the measurement it printed. */
  async workload(file: string, env: NodeJS.ProcessEnv, options: { cwd: string; nodeFlags: readonly string[]; timeoutMs: number }): Promise<Measurement> {
    const done = await this.run(process.execPath, [...options.nodeFlags, '--import', 'tsx', file], { env, cwd: options.cwd, timeoutMs: options.timeoutMs });
    const line = done.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (done.code !== 0 || line === undefined) {
      throw new Error(`${file} failed (exit ${done.code ?? done.signal}):\n${(done.stderr || done.stdout).trim().split('\n').slice(-15).join('\n')}`);
    }
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as Measurement;
  }

  /** SIGKILLs whatever is still running. */
  killAll(): void {
    for (const pid of this.running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.running.clear();
  }
}
