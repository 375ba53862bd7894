/**
 * Parses a Picodata connection string. Only URIs: Picodata answers a keyword/value string (`host=... user=...`)
 * with 28P01, so it is refused here with a clearer message.
 *
 * Every error is a {@link ConfigError} for `dsn` that shows the DSN with its password replaced by `***`.
 * So that the hidden part is exactly the password, an `@` may appear only once the password ends: the part after
 * the host list must percent-encode it (`%40`), and so must a password containing `/` or `?`.
 *
 * @example
 * ```ts
 * parseDsn('postgresql://admin:p%40ss@h1,h2:4328,[::1]/db?sslmode=require&connect_timeout=5')
 * // { hosts: [{ host: 'h1', port: 4327 }, { host: 'h2', port: 4328 }, { host: '::1', port: 4327 }],
 * //   user: 'admin', password: 'p@ss', database: 'db', params: { sslmode: 'require', connectTimeoutMs: 5000 } }
 * ```
 */
import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
import { SSL_MODES, type SslMode } from './tls-settings.js';
import { parsePicodataOptions, READ_PREFERENCES, type ReadPreference } from './picodata-options.js';
import { describe, didYouMean, MAX_TIMER_MS } from './validate.js';
import { redactDsn } from './redact-dsn.js';

/** Picodata's pgproto port, used for a host without one. */
export const DEFAULT_PORT = 4327;

/**
 * The TLS mode when the DSN has no `sslmode`. As in libpq, `prefer`: TLS when the server offers it, plaintext
 * when it answers 'N'. That works with a Picodata with TLS off and one with TLS on (where TLS is mandatory), but it
 * does not verify the server: use `verify-full` where that matters.
 */
export const DEFAULT_SSL_MODE: SslMode = 'prefer';

/** One address of the host list. An IPv6 address is given without brackets (as `net.connect` wants it). */
export interface DsnHost {
  /** A host name, an IPv4 address, or an IPv6 address without brackets. */
  host: string;
  /** The port; 4327 (Picodata's pgproto default) when the DSN gives none. */
  port: number;
}

/** The query parameters picots understands. A field is set only when the DSN has the parameter. */
export interface DsnParams {
  /** `sslmode`; when absent, `prefer` applies. */
  sslmode?: SslMode;
  /** `sslrootcert`: path of a PEM file with the CAs to trust. */
  sslrootcert?: string;
  /** `sslcert`: path of the client certificate (PEM). Only together with `sslkey`. */
  sslcert?: string;
  /** `sslkey`: path of the client private key (PEM). Only together with `sslcert`. */
  sslkey?: string;
  /** `connect_timeout` in whole seconds (libpq), as milliseconds; `0` means no limit and gives `Infinity`. */
  connectTimeoutMs?: number;
  /** `options`: Picodata's `name=value,...` string, already checked by `parsePicodataOptions`. */
  options?: string;
  /** `application_name`: accepted so that DSNs shared with other tools work. Picodata ignores it. */
  applicationName?: string;
  /** `read_preference`: shortcut for `options=read_preference=...` (Picodata 26.1.1+). */
  readPreference?: ReadPreference;
}

/** The result of {@link parseDsn}. */
export interface ParsedDsn {
  /** At least one host, in the DSN's order. */
  hosts: DsnHost[];
  /** Required: Picodata has no default user. */
  user: string;
  /** Absent when the DSN has no `:password`; `''` for `user:@host`. */
  password?: string;
  /** Picodata ignores the database name; kept for tools that show it. */
  database?: string;
  /** The query parameters picots understands (`sslmode`, `connect_timeout`, `options`, ...). */
  params: DsnParams;
}

const EXAMPLE = 'postgresql://user:password@host:4327';
const PARAM_NAMES = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'connect_timeout', 'options', 'application_name', 'read_preference'];
/** libpq parameters people will try, with where the setting goes instead. */
const MOVED = new Map([
  ['password', `put the password in the URI, ${EXAMPLE}`],
  ['user', `put the user in the URI, ${EXAMPLE}`],
  ['host', 'put the hosts in the URI, postgresql://user@host1:4327,host2:4327'],
  ['port', 'put the port after the host, postgresql://user@host:4327'],
  ['dbname', 'put the database in the path, postgresql://user@host/db'],
  ['sslnegotiation', 'Picodata supports only the default TLS negotiation (SSLRequest)'],
]);

/**
 * Parses and checks a `postgresql://` or `postgres://` URI. See the module comment for the rules.
 *
 * @example
 * parseDsn('postgres://u@[::1]:4328') // { hosts: [{ host: '::1', port: 4328 }], user: 'u', params: {} }
 */
export function parseDsn(dsn: string): ParsedDsn {
  if (typeof dsn !== 'string') throw new ConfigError('dsn', `must be a string, got ${describe(dsn)}`);
  const text = dsn.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (!scheme) {
    const keyword = /^[a-z_]+\s*=/i.test(text);
    throw new ConfigError('dsn', keyword
      ? `keyword/value strings (host=... user=...) are not supported, only URIs such as ${EXAMPLE}/db`
      : `must be a URI such as ${EXAMPLE}/db (not shown, as it may hold a password)`);
  }
  // A URI cannot hold whitespace, and redaction stops at it: the text cannot be shown safely.
  if (/\s/.test(text)) throw new ConfigError('dsn', 'must not contain whitespace (percent-encode a space as %20); not shown, as it may hold a password');
  const fail = (detail: string) => new ConfigError('dsn', `${detail} (in ${redactDsn(text)})`);
  if (!/^postgres(ql)?$/i.test(scheme[1]!)) throw fail(`unsupported scheme '${scheme[1]}://', use postgresql:// or postgres://`);

  const rest = text.slice(scheme[0].length);
  const slashOrQuery = rest.search(/[/?]/);
  const authEnd = slashOrQuery < 0 ? rest.length : slashOrQuery;
  const authority = rest.slice(0, authEnd);
  const tail = rest.slice(authEnd);
  if (tail.includes('@')) throw fail("'@' after the host list, or '/' or '?' in the password: percent-encode them as %40, %2F, %3F");
  const decode = (raw: string, what: string): string => {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw fail(`bad percent-encoding in the ${what}`);
    }
    if (s.includes('\0')) throw fail(`the ${what} contains a NUL character`);
    return s;
  };

  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user');
  if (user === '') throw fail(`a user is required (Picodata has no default user), e.g. ${EXAMPLE}`);
  const result: ParsedDsn = { hosts: parseHosts(authority.slice(at + 1), decode, fail), user, params: {} };
  if (colon >= 0) result.password = decode(userinfo.slice(colon + 1), 'password');

  const q = tail.indexOf('?');
  const path = tail.startsWith('/') ? tail.slice(1, q < 0 ? undefined : q) : '';
  if (path !== '') result.database = decode(path, 'database name');
  if (q >= 0) result.params = parseParams(tail.slice(q + 1), decode, fail);
  return result;
}

type Decode = (raw: string, what: string) => string;
type Fail = (detail: string) => ConfigError;

function parseHosts(list: string, decode: Decode, fail: Fail): DsnHost[] {
  if (list === '') throw fail(`no host, e.g. ${EXAMPLE}`);
  return list.split(',').map((entry, i) => {
    const which = `host ${i + 1}`;
    if (entry === '') throw fail(`${which} is empty`);
    let host: string;
    let port: string | undefined;
    if (entry.startsWith('[')) {
      const close = entry.indexOf(']');
      const after = close < 0 ? '' : entry.slice(close + 1);
      if (close < 0 || (after !== '' && !after.startsWith(':'))) throw fail(`${which} is not [ipv6] or [ipv6]:port`);
      host = decode(entry.slice(1, close), which);
      port = after === '' ? undefined : after.slice(1);
      if (!isIPv6(host)) throw fail(`${which} '${host}' is not an IPv6 address`);
    } else {
      const parts = entry.split(':');
      if (parts.length > 2) throw fail(`${which}: write an IPv6 address in brackets, e.g. [::1]:4327`);
      host = decode(parts[0]!, which);
      port = parts[1];
      if (!/^[A-Za-z0-9._-]+$/.test(host)) throw fail(`${which} '${host}' is not a host name or IP address`);
    }
    return { host, port: port === undefined ? DEFAULT_PORT : parsePort(port, which, fail) };
  });
}

function parsePort(text: string, which: string, fail: Fail): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw fail(`the port of ${which} must be an integer from 1 to 65535, got '${text}'`);
  return port;
}

function parseParams(query: string, decode: Decode, fail: Fail): DsnParams {
  const params: DsnParams = {};
  const seen = new Set<string>();
  for (const item of query.split('&')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = decode(eq < 0 ? item : item.slice(0, eq), 'query parameter name');
    if (eq < 0) throw fail(`query parameter '${name}' has no value`);
    const value = decode(item.slice(eq + 1), `query parameter '${name}'`);
    if (seen.has(name)) throw fail(`query parameter '${name}' is given twice`);
    seen.add(name);
    const choice = <T extends string>(allowed: readonly T[]): T => {
      if ((allowed as readonly string[]).includes(value)) return value as T;
      const list = allowed.map((a) => `'${a}'`).join(', ');
      throw fail(`${name} must be one of ${list}, got '${value}'${didYouMean(value, allowed)}`);
    };
    const path = (): string => {
      if (value === '') throw fail(`${name} must be a file path, got an empty value`);
      return value;
    };
    switch (name) {
      case 'sslmode': params.sslmode = choice(SSL_MODES); break;
      case 'sslrootcert': params.sslrootcert = path(); break;
      case 'sslcert': params.sslcert = path(); break;
      case 'sslkey': params.sslkey = path(); break;
      case 'connect_timeout': params.connectTimeoutMs = connectTimeout(value, fail); break;
      case 'application_name': params.applicationName = value; break;
      case 'read_preference': params.readPreference = choice(READ_PREFERENCES); break;
      case 'options':
        try {
          parsePicodataOptions(value);
        } catch (e) {
          throw e instanceof ConfigError ? fail(`in query parameter ${e.message}`) : e;
        }
        if (value !== '') params.options = value;
        break;
      default: {
        const moved = MOVED.get(name);
        throw fail(moved
          ? `unsupported query parameter '${name}': ${moved}`
          : `unknown query parameter '${name}'${didYouMean(name, PARAM_NAMES)}; allowed: ${PARAM_NAMES.join(', ')}`);
      }
    }
  }
  checkCombinations(params, fail);
  return params;
}

/** libpq's meaning: whole seconds, 0 for no limit. libpq's 2-second floor is not copied: 1 means 1 s. */
function connectTimeout(value: string, fail: Fail): number {
  const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
  const max = Math.floor(MAX_TIMER_MS / 1000);
  if (!(seconds <= max)) throw fail(`connect_timeout must be whole seconds from 0 (no limit) to ${max}, got '${value}'`);
  return seconds === 0 ? Infinity : seconds * 1000;
}

function checkCombinations(p: DsnParams, fail: Fail): void {
  if (p.sslmode === 'disable' && (p.sslrootcert ?? p.sslcert ?? p.sslkey) !== undefined) {
    throw fail('sslrootcert, sslcert and sslkey cannot be used with sslmode=disable');
  }
  if ((p.sslcert === undefined) !== (p.sslkey === undefined)) throw fail('sslcert and sslkey must be given together');
  if (p.readPreference && p.options) {
    const inOptions = parsePicodataOptions(p.options).pairs.find(([n]) => n === 'read_preference')?.[1];
    if (inOptions !== undefined && inOptions !== p.readPreference) {
      throw fail(`read_preference=${p.readPreference} contradicts read_preference=${inOptions} in options`);
    }
  }
}
