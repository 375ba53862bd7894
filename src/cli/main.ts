import { suggest } from '../config/validate.js';
import { ConnectionError } from '../errors.js';
import { parseCliArgs } from './cli-args.js';
import type { CliCommand } from './cli-command.js';
import { processIo, type CliIo } from './cli-io.js';
import { allOptions, COMMANDS, GLOBAL_OPTIONS } from './commands.js';
import { showArgument } from './dsn-argument.js';
import { toJsonLine } from './format-table.js';
import { helpText, usageLine } from './help-text.js';
import { errorFields, errorText } from './report-error.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

export type { CliIo } from './cli-io.js';

/** Exit codes of `picots`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * The `picots` command. Resolves to the exit code: 0 done, 1 failed, 2 wrong usage, 130 interrupted by
 * Ctrl-C (`io.signal`). Help and results go to `io.out`; errors to `io.err`, as JSON with `--json`.
 *
 * @example
 * ```ts
 * const code = await main(['topology', 'postgresql://app:Secret123@127.0.0.1:4327', '--json']);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo(new AbortController().signal)): Promise<number> {
  // Known before parsing, so that even a parse error comes out as JSON when --json was asked for.
  const end = argv.indexOf('--');
  const json = (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  let command: CliCommand | undefined;
  try {
    const parsed = parseCliArgs(argv, allOptions());
    const [name, ...positionals] = parsed.positionals;
    if (name === 'help') {
      io.out(helpText(positionals[0] === undefined ? undefined : findCommand(positionals[0])));
      return EXIT.ok;
    }
    command = name === undefined ? undefined : findCommand(name);
    if (parsed.values.version === true) {
      io.out(`picots ${packageVersion()}`);
      return EXIT.ok;
    }
    if (parsed.values.help === true) {
      io.out(helpText(command));
      return EXIT.ok;
    }
    if (command === undefined) throw new UsageError(`a command is needed: ${orList(COMMANDS.map((c) => c.name))}`);
    for (const option of Object.keys(parsed.values)) {
      if (!(option in GLOBAL_OPTIONS) && !(option in command.options)) throw new UsageError(`--${option} is not an option of ${command.name}`);
    }
    return await command.run({ positionals, values: parsed.values, json }, io);
  } catch (error) {
    return report(error, json, command, io);
  }
}

/** `a or b`, `a, b or c`. */
function orList(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}

function findCommand(name: string): CliCommand {
  const found = COMMANDS.find((c) => c.name === name);
  if (found !== undefined) return found;
  const names = COMMANDS.map((c) => c.name);
  const near = suggest(name, names);
  throw new UsageError(`unknown command '${showArgument(name)}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; the commands are ${names.join(', ')}`);
}

function report(error: unknown, json: boolean, command: CliCommand | undefined, io: CliIo): number {
  const prefix = `picots${command === undefined ? '' : ` ${command.name}`}: `;
  if (error instanceof UsageError) {
    if (json) io.err(toJsonLine({ error: errorFields(error) }));
    else io.err(`${prefix}${error.message}\n${usageLine(command)}`);
    return EXIT.usage;
  }
  if (io.signal.aborted) {
    // Picodata cannot cancel a statement: once sent, it may run to the end whatever the client does.
    const sent = error instanceof ConnectionError && error.mayHaveReachedServer;
    const message = `interrupted by Ctrl-C${sent ? '; the statement had been sent and may still run to completion on the server' : ''}`;
    if (json) io.err(toJsonLine({ error: { code: 'ERR_PICOTS_INTERRUPTED', message } }));
    else io.err(`${prefix}${message}`);
    return EXIT.interrupted;
  }
  if (json) io.err(toJsonLine({ error: errorFields(error) }));
  else io.err(`${prefix}${errorText(error)}`);
  return EXIT.failed;
}
