import { parseArgs } from 'node:util';
import { redactDsn } from '../config/redact-dsn.js';
import { query } from './query-command.js';
import { topology } from './topology-command.js';

const USAGE = `usage:
  picots topology <dsn> [--json]              the cluster's instances and whether each can be reached
  picots query <dsn> "<sql>" [params...] [--json]   one statement through the balanced client
The DSN may also come from the PICOTS_DSN environment variable (then leave it out), which keeps the
password out of the process list. Example DSN: postgresql://app:Secret123@127.0.0.1:4327`;

/** The `picots` command. Returns the exit code: 0 done, 1 failed, 2 wrong usage. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STDIO: CliIo = {
  out: (t) => void process.stdout.write(`${t}\n`),
  err: (t) => void process.stderr.write(`${t}\n`),
};

export async function main(argv: string[], io: CliIo = STDIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    io.out(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const fromEnv = process.env.PICOTS_DSN;
  const looksLikeDsn = (s: string | undefined): boolean => s !== undefined && /^postgres(ql)?:\/\//.test(s);
  const dsn = looksLikeDsn(rest[0]) ? rest.shift() : fromEnv;
  if (dsn === undefined) {
    io.err(`a DSN is needed (argument or PICOTS_DSN)\n${USAGE}`);
    return 2;
  }
  const json = parsed.values.json === true;
  try {
    if (command === 'topology' && rest.length === 0) {
      await topology(dsn, { json, out: io.out });
      return 0;
    }
    if (command === 'query' && rest.length >= 1) {
      const [sql, ...params] = rest;
      await query(dsn, sql!, params, { json, out: io.out });
      return 0;
    }
  } catch (error) {
    // Error messages never carry the password; the DSN is shown redacted for context.
    io.err(`picots ${command}: ${(error as Error).message} (dsn ${redactDsn(dsn)})`);
    return 1;
  }
  io.err(USAGE);
  return 2;
}
