import type { CliCommand, CliOption } from './cli-command.js';
import { queryCommand } from './query-command.js';
import { routeCommand } from './route-command.js';
import { topologyCommand } from './topology-command.js';

/** Every `picots` command, in the order the help lists them. A new command is one more entry. */
export const COMMANDS: readonly CliCommand[] = [topologyCommand, queryCommand, routeCommand];

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Readonly<Record<string, CliOption>> = {
  json: { type: 'boolean', description: 'machine-readable output; errors as {"error": {...}} on stderr' },
  help: { type: 'boolean', short: 'h', description: 'this help (with a command: that command only)' },
  version: { type: 'boolean', short: 'V', description: "picots' version" },
};

/**
 * The global options and every command's, for parsing: which command an option belongs to is checked once
 * the command is known, so `picots --json topology` and `picots topology --json` both work.
 */
export function allOptions(): Record<string, CliOption> {
  const all: Record<string, CliOption> = { ...GLOBAL_OPTIONS };
  for (const command of COMMANDS) {
    for (const [name, option] of Object.entries(command.options)) {
      const seen = all[name];
      // Two commands may share an option name only with the same kind of value: parseArgs gets one definition.
      if (seen !== undefined && seen.type !== option.type) throw new Error(`picots: option --${name} is defined twice with different types`);
      all[name] = option;
    }
  }
  return all;
}
