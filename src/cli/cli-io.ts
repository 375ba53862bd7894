/**
 * Where the `picots` command reads and writes. `bin.ts` wires it to the process; tests pass their own, so
 * they run the command in-process with a chosen environment and capture what it prints.
 */
export interface CliIo {
  /** Writes one line (the newline is added) to standard output. */
  out(text: string): void;
  /** Writes one line (the newline is added) to standard error. */
  err(text: string): void;
  /** The environment: `PICOTS_DSN` is read from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard output is a terminal: `--watch` then redraws in place instead of printing one table after another. */
  readonly stdoutIsTTY: boolean;
  /** Fires on Ctrl-C: a running command stops, closes its connections and exits. */
  readonly signal: AbortSignal;
}

/** The process's own streams, environment and a signal the caller aborts on SIGINT. */
export function processIo(signal: AbortSignal): CliIo {
  return {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    signal,
  };
}
