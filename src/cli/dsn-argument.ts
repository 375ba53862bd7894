import { parseDsn } from '../config/parse-dsn.js';
import { redactDsn } from '../config/redact-dsn.js';
import { suggest } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import { escapeControl } from './format-table.js';
import { UsageError } from './usage-error.js';

/** The environment variable that may hold the DSN, which keeps the password out of the process list. */
export const DSN_ENV = 'PICOTS_DSN';

const EXAMPLE = 'postgresql://user:password@host:4327';
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const KEYWORD_DSN = /^\s*[a-z_]+\s*=/i;
const SCHEMES = ['postgresql', 'postgres'];
const SHOWN_LENGTH = 60;

/** `scheme://…`, any scheme: such an argument is a (maybe mistyped) DSN, never SQL. */
export function looksLikeUri(arg: string): boolean {
  return SCHEME.test(arg.trim());
}

/** `host=… user=…`: a keyword/value DSN, which Picodata does not accept. */
export function looksLikeKeywordDsn(arg: string): boolean {
  return KEYWORD_DSN.test(arg);
}

/**
 * An argument as a message may show it: passwords hidden (also in `user:secret@host` typed without a
 * scheme), control characters escaped, at most 60 characters.
 *
 * @example showArgument('app:Secret1@h1:4327') // 'app:***@h1:4327'
 */
export function showArgument(arg: string): string {
  const redacted = looksLikeUri(arg) ? redactDsn(arg) : redactDsn(`x://${arg}`).slice(4);
  const shown = escapeControl(redacted);
  return shown.length > SHOWN_LENGTH ? `${shown.slice(0, SHOWN_LENGTH - 1)}…` : shown;
}

/**
 * Checks a DSN from the command line (`from` undefined) or from {@link DSN_ENV}, and returns it. Anything
 * but a valid `postgresql://` or `postgres://` URI is a {@link UsageError} that says what was given and what
 * is accepted, with the password hidden.
 */
export function checkDsn(text: string, from?: string, hint = ''): string {
  const where = from === undefined ? '' : `${from}: `;
  const shown = `'${showArgument(text)}'`;
  const scheme = SCHEME.exec(text.trim());
  if (scheme === null) {
    if (looksLikeKeywordDsn(text)) {
      throw new UsageError(`${where}${shown} is a keyword/value DSN; picots takes only a postgresql:// URI, such as ${EXAMPLE}`);
    }
    throw new UsageError(`${where}${shown} is not a postgresql:// URI, such as ${EXAMPLE}${hint}`);
  }
  const name = scheme[1]!;
  if (!SCHEMES.includes(name.toLowerCase())) {
    const near = suggest(name, SCHEMES);
    const guess = near === undefined ? '' : ` (did you mean '${near}://'?)`;
    throw new UsageError(`${where}${shown} is not a postgresql:// URI: the scheme '${name}://' is not accepted${guess}; use postgresql:// or postgres://`);
  }
  try {
    parseDsn(text);
  } catch (error) {
    // parseDsn's messages show the DSN redacted already.
    if (error instanceof ConfigError) throw new UsageError(`${where}${error.message.replace(/^dsn: /, 'bad DSN: ')}`);
    throw error;
  }
  return text;
}

/** The DSN a command runs against and the arguments after it. */
export interface DsnAndArgs {
  readonly dsn: string;
  readonly rest: readonly string[];
}

/**
 * Takes the DSN from the front of `args` when the first argument looks like one (`scheme://…` or
 * `key=value`, so a mistyped DSN is refused rather than taken for something else), otherwise from
 * {@link DSN_ENV}. `hint` ends the message when neither gives a DSN.
 */
export function takeDsn(args: readonly string[], env: Readonly<Record<string, string | undefined>>, hint = ''): DsnAndArgs {
  const [first, ...rest] = args;
  if (first !== undefined && (looksLikeUri(first) || looksLikeKeywordDsn(first))) return { dsn: checkDsn(first), rest };
  const fromEnv = env[DSN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { dsn: checkDsn(fromEnv, DSN_ENV), rest: args };
  if (first === undefined) throw new UsageError(`a DSN is needed: give it as the first argument or in ${DSN_ENV}, e.g. ${EXAMPLE}`);
  return { dsn: checkDsn(first, undefined, hint), rest };
}
