import { setTimeout as sleep } from 'node:timers/promises';
import { AuthenticationError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { toJsonLine } from './format-table.js';
import { errorFields, errorText } from './report-error.js';
import { UsageError } from './usage-error.js';

/** Cursor to the top left, then clear the screen: each round replaces the last one on a terminal. */
const CLEAR = '\x1b[H\x1b[2J';
const DEFAULT_INTERVAL_MS = 2_000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 86_400_000;

/** What {@link watch} shows, round after round. */
export interface WatchOptions<T> {
  /** First words of each round's header, e.g. `picots topology`. */
  readonly title: string;
  readonly intervalMs: number;
  /** One JSON document per line and round instead of a table. */
  readonly json: boolean;
  /** One look; a failure is shown for that round and the watch goes on. */
  read(): Promise<T>;
  /** The look as text for a terminal. */
  format(value: T): string;
}

/**
 * Shows `read()` every `intervalMs` until Ctrl-C (`io.signal`), then resolves to exit code 0. On a
 * terminal each round clears the screen and redraws; otherwise rounds follow each other, each under a
 * header line with its time, so a log or a pipe gets them all. A failed round is shown and the watch goes
 * on (an instance going down is what one watches for), except for a wrong password or a usage error:
 * retrying those would only fail again, and Picodata locks a user after a few failed logins.
 */
export async function watch<T>(options: WatchOptions<T>, io: CliIo): Promise<number> {
  while (!io.signal.aborted) {
    const at = new Date().toISOString();
    let body: string;
    try {
      const value = await options.read();
      body = options.json ? toJsonLine({ time: at, ...value }) : options.format(value);
    } catch (error) {
      if (io.signal.aborted) break;
      if (error instanceof AuthenticationError || error instanceof UsageError) throw error;
      body = options.json ? toJsonLine({ time: at, error: errorFields(error) }) : `error: ${errorText(error)}`;
    }
    const header = `${options.title} at ${at}, every ${options.intervalMs} ms (Ctrl-C stops)`;
    if (options.json) io.out(body);
    else if (io.stdoutIsTTY) io.out(`${CLEAR}${header}\n\n${body}`);
    else io.out(`${header}\n${body}\n`);
    try {
      await sleep(options.intervalMs, undefined, { signal: io.signal });
    } catch {
      break; // Ctrl-C while waiting
    }
  }
  return 0;
}

/**
 * The `--interval` option in milliseconds: a whole number from 100 to 86400000; 2000 when not given.
 *
 * @example parseInterval('500') // 500
 */
export function parseInterval(text: string | undefined): number {
  if (text === undefined) return DEFAULT_INTERVAL_MS;
  const ms = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS)) {
    throw new UsageError(`--interval must be a whole number of milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}, got '${text}'`);
  }
  return ms;
}
