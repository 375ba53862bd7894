import type { CliCommand, CliOption } from './cli-command.js';
import { COMMANDS, GLOBAL_OPTIONS } from './commands.js';
import { DSN_ENV } from './dsn-argument.js';

const NOTES = `The DSN is a postgresql:// (or postgres://) URI, e.g. postgresql://app:Secret123@127.0.0.1:4327.
It may come from the ${DSN_ENV} environment variable instead (leave it out then), which keeps the
password out of the process list. An argument that looks like a negative number (-5) is a parameter;
put any other argument that starts with '-' after '--'.
exit codes: 0 done, 1 failed, 2 wrong usage, 130 interrupted by Ctrl-C`;

/** `picots --help`, or `picots <command> --help` for one command. */
export function helpText(command?: CliCommand): string {
  const commands = command === undefined ? COMMANDS : [command];
  const lines = ['usage:'];
  for (const c of commands) lines.push(`  picots ${c.synopsis}`, `      ${c.summary}`);
  lines.push('', 'options:');
  const rows: Array<[string, string]> = [];
  for (const c of commands) {
    for (const [name, o] of Object.entries(c.options)) rows.push([optionName(name, o), command === undefined ? `(${c.name}) ${o.description}` : o.description]);
  }
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) rows.push([optionName(name, o), o.description]);
  const width = Math.max(...rows.map(([n]) => n.length));
  for (const [name, description] of rows) lines.push(`  ${name.padEnd(width)}  ${description}`);
  if (command?.details !== undefined) lines.push('', command.details);
  lines.push('', NOTES);
  return lines.join('\n');
}

/** The usage line shown under a usage error. */
export function usageLine(command?: CliCommand): string {
  const synopsis = command === undefined ? COMMANDS.map((c) => c.synopsis) : [command.synopsis];
  return `usage: ${synopsis.map((s) => `picots ${s}`).join('\n       ')}\n(picots${command === undefined ? '' : ` ${command.name}`} --help for more)`;
}

function optionName(name: string, o: CliOption): string {
  const long = `--${name}${o.valueName === undefined ? '' : ` ${o.valueName}`}`;
  return o.short === undefined ? `    ${long}` : `-${o.short}, ${long}`;
}
