import type { CliIo } from './cli-io.js';

/** An option of the command line, as `util.parseArgs` understands it, with its help text. */
export interface CliOption {
  readonly type: 'boolean' | 'string';
  /** One-letter alias, e.g. `h` for `--help`. */
  readonly short?: string;
  /** Shown in the help after a string option's name, e.g. `<ms>`. */
  readonly valueName?: string;
  readonly description: string;
}

/** What a command receives once the command line is parsed. */
export interface CommandInput {
  /** The arguments after the command's name, in order (negative numbers such as `-5` included). */
  readonly positionals: readonly string[];
  /** The options given, global ones included; a boolean option is `true` or absent. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** `--json`: machine-readable output, errors included. */
  readonly json: boolean;
}

/**
 * One `picots <name>` command. Adding a command is a new file exporting one of these and a line in
 * `commands.ts`: parsing, help, usage errors and error output are shared.
 */
export interface CliCommand {
  readonly name: string;
  /** The usage line after `picots `, e.g. `topology [<dsn>] [--json]`. */
  readonly synopsis: string;
  /** One line for the command list. */
  readonly summary: string;
  /** More help, shown under the options by `picots <name> --help` (e.g. how arguments are read). */
  readonly details?: string;
  /** Options of this command only; the global ones (`--json`, `--help`, `--version`) are always accepted. */
  readonly options: Readonly<Record<string, CliOption>>;
  /** Runs the command; resolves to the exit code. Throws a UsageError for a wrong command line. */
  run(input: CommandInput, io: CliIo): Promise<number>;
}
