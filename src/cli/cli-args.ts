import { parseArgs } from 'node:util';
import { suggest } from '../config/validate.js';
import type { CliOption } from './cli-command.js';
import { UsageError } from './usage-error.js';

/** The command line split into arguments and options. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | undefined>;
}

/**
 * An argument such as `-5`, `-0.5` or `-1e3`: a parameter, not a cluster of short options. Without this
 * rule `picots query "SELECT $1" -5` would need `--` before `-5`.
 */
const NEGATIVE_NUMBER = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

/**
 * Parses `argv` with `util.parseArgs` (its tokens, so that negative numbers stay arguments) and checks every
 * option against `options`: an unknown option, a value given to a flag or a missing value is a
 * {@link UsageError} naming the option. Everything after `--` is an argument.
 *
 * @example
 * parseCliArgs(['query', 'SELECT $1', '-5', '--json'], { json: { type: 'boolean', description: '' } })
 * // { positionals: ['query', 'SELECT $1', '-5'], values: { json: true } }
 */
export function parseCliArgs(argv: readonly string[], options: Readonly<Record<string, CliOption>>): ParsedArgs {
  const config = Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }]));
  const { tokens } = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: false, tokens: true });
  const positionals: string[] = [];
  const values: Record<string, string | boolean | undefined> = {};
  let lastNumberIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const raw = argv[token.index]!;
    if (NEGATIVE_NUMBER.test(raw)) {
      // parseArgs reads `-1.5` as the short options 1, ., 5: one argument, kept once.
      if (token.index !== lastNumberIndex) positionals.push(raw);
      lastNumberIndex = token.index;
      continue;
    }
    const option = options[token.name];
    if (option === undefined) {
      const near = token.rawName.startsWith('--') ? suggest(token.name, Object.keys(options)) : undefined;
      const hint = near === undefined ? '' : ` (did you mean '--${near}'?)`;
      throw new UsageError(`unknown option '${token.rawName}'${hint} (an argument that starts with '-' goes after '--')`);
    }
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option '--${token.name}' takes no value`);
      values[token.name] = true;
    } else {
      if (token.value === undefined) throw new UsageError(`option '--${token.name}' needs a value: --${token.name} ${option.valueName ?? '<value>'}`);
      values[token.name] = token.value;
    }
  }
  return { positionals, values };
}
