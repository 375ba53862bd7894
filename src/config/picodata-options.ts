/**
 * Picodata's `options` startup parameter: `name=value,name=value` (Picodata's own format, not libpq's
 * `-c name=value`).
 *
 * Picodata drops the connection without an ErrorResponse when a pair has no `=` or a known name has a bad
 * value, so a mistake here would look like a network failure. Everything is therefore checked on the client.
 * Unknown names are passed on (Picodata ignores them with a log line; a newer server may know them) and
 * reported as warnings.
 *
 * @example
 * ```ts
 * const { options, warnings } = buildPicodataOptions({ readPreference: 'replica' }, 'sql_motion_row_max=10000');
 * // options === 'sql_motion_row_max=10000,read_preference=replica'
 * ```
 */
import { ConfigError } from '../errors.js';
import { boolean, didYouMean, nonNegativeInt, oneOf, rejectUnknownKeys } from './validate.js';

/** Which replica serves a read. Picodata's default is `leader` (the replicaset master). */
export type ReadPreference = 'leader' | 'replica' | 'any';
export const READ_PREFERENCES: readonly ReadPreference[] = ['leader', 'replica', 'any'];

/** Whether the instance that received a query may forward it to other instances. */
export type ForwardMode = 'on' | 'off' | 'ro_to_rw';
export const FORWARD_MODES: readonly ForwardMode[] = ['on', 'off', 'ro_to_rw'];

/**
 * Per-connection Picodata settings, sent in the `options` startup parameter. A server older than the version
 * given for a setting ignores it (with a log line on the server), so it does not take effect there.
 */
export interface PicodataOptions {
  /** `read_preference` (Picodata 26.1.1+): where reads go. */
  readPreference?: ReadPreference;
  /**
   * `forward` (Picodata 26.2.1+): `off` makes the server refuse a query it cannot run locally; `ro_to_rw`
   * allows forwarding only from a read-only replica to its master. On older servers this is ignored, so it
   * protects nothing there.
   */
  forward?: ForwardMode;
  /** `sql_motion_row_max`: row cap of an intermediate table of a distributed query (server default 5000). */
  sqlMotionRowMax?: number;
  /** `sql_vdbe_opcode_max`: opcode cap of a local SQL execution (server default 45000). */
  sqlVdbeOpcodeMax?: number;
  /** `pico_query_metadata` (Picodata 26.1.1+): Parse answers with a NOTICE holding sharding-key metadata. */
  queryMetadata?: boolean;
  /** `pico_stmt_invalidation` (Picodata 26.1.1+): stale prepared statements fail with 42999 instead of being re-planned silently. */
  stmtInvalidation?: boolean;
}

/** The result of {@link parsePicodataOptions}: the pairs in their order, and notes on unknown names. */
export interface ParsedPicodataOptions {
  pairs: Array<[name: string, value: string]>;
  warnings: string[];
}

/** The result of {@link buildPicodataOptions}. `options` is `undefined` when nothing is set: then nothing is sent. */
export interface PicodataOptionsResult {
  /** The `options` startup parameter in Picodata's `name=value,name=value` form, or `undefined`. */
  options: string | undefined;
  /** What was accepted but deserves a word (e.g. an unknown name Picodata would ignore). */
  warnings: string[];
}

type Kind = 'int' | 'bool' | readonly string[];

/** Each typed option, its wire name and the values Picodata parses without dropping the connection. */
const KNOWN: ReadonlyArray<{ key: keyof PicodataOptions; name: string; kind: Kind }> = [
  { key: 'readPreference', name: 'read_preference', kind: READ_PREFERENCES },
  { key: 'forward', name: 'forward', kind: FORWARD_MODES },
  { key: 'sqlMotionRowMax', name: 'sql_motion_row_max', kind: 'int' },
  { key: 'sqlVdbeOpcodeMax', name: 'sql_vdbe_opcode_max', kind: 'int' },
  { key: 'queryMetadata', name: 'pico_query_metadata', kind: 'bool' },
  { key: 'stmtInvalidation', name: 'pico_stmt_invalidation', kind: 'bool' },
];
const KNOWN_NAMES = KNOWN.map((k) => k.name);

const NAME = /^[a-z_][a-z0-9_]*$/;
// Picodata splits on ',' then '=' and never trims, so a stray space or '=' changes the meaning silently.
const VALUE = /^[^,=\s]+$/;
// The server parses integers as i64 and rejects negatives.
const I64_MAX = 9223372036854775807n;

/**
 * Checks a raw `options` string (for example from a DSN) and splits it into pairs. Throws a
 * {@link ConfigError} for `options` when Picodata would drop the connection; unknown names only warn.
 *
 * @example
 * parsePicodataOptions('read_preference=replica,foo=1')
 * // { pairs: [['read_preference', 'replica'], ['foo', '1']], warnings: ["unknown Picodata option 'foo' ..."] }
 */
export function parsePicodataOptions(raw: string): ParsedPicodataOptions {
  const pairs: Array<[string, string]> = [];
  const warnings: string[] = [];
  if (raw === '') return { pairs, warnings };
  if (/^\s*-c\b/.test(raw)) {
    throw new ConfigError('options', "Picodata's format is 'name=value,name=value', not libpq's '-c name=value'");
  }
  for (const item of raw.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new ConfigError('options', `'${item}' is not a name=value pair (pairs are separated by ',')`);
    const name = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!NAME.test(name)) throw new ConfigError('options', `'${name}' is not an option name (lowercase letters, digits and '_')`);
    if (!VALUE.test(value)) throw new ConfigError('options', `the value of '${name}' must be non-empty, without ',', '=' or spaces`);
    if (pairs.some(([n]) => n === name)) throw new ConfigError('options', `'${name}' is given twice`);
    const known = KNOWN.find((k) => k.name === name);
    if (known) checkRawValue(name, value, known.kind);
    else warnings.push(`unknown Picodata option '${name}'${didYouMean(name, KNOWN_NAMES)}: Picodata ignores it`);
    pairs.push([name, value]);
  }
  return { pairs, warnings };
}

/**
 * Builds the `options` startup parameter from typed settings and, optionally, a raw string (from the DSN).
 * A typed setting wins over the same name in `raw`, because code is more specific than a shared
 * connection string; the override is reported in `warnings` when the values differ. Pairs keep `raw`'s order,
 * then the typed ones follow in a fixed order, so equal settings give equal strings (usable as a pool key).
 *
 * @example
 * buildPicodataOptions({ sqlMotionRowMax: 10000, queryMetadata: true })
 * // { options: 'sql_motion_row_max=10000,pico_query_metadata=true', warnings: [] }
 * buildPicodataOptions({}) // { options: undefined, warnings: [] }
 */
export function buildPicodataOptions(typed: PicodataOptions = {}, raw?: string): PicodataOptionsResult {
  rejectUnknownKeys('Picodata options', typed, KNOWN.map((k) => k.key));
  const { pairs, warnings } = raw === undefined ? { pairs: [], warnings: [] } : parsePicodataOptions(raw);
  for (const { key, name, kind } of KNOWN) {
    const v = typed[key];
    if (v === undefined) continue;
    const value = typedValue(key, v, kind);
    const existing = pairs.find(([n]) => n === name);
    if (!existing) pairs.push([name, value]);
    else if (existing[1] !== value) {
      warnings.push(`${key}=${value} overrides ${name}=${existing[1]} from the raw options string`);
      existing[1] = value;
    }
  }
  return { options: pairs.length ? pairs.map(([n, v]) => `${n}=${v}`).join(',') : undefined, warnings };
}

function typedValue(key: string, v: unknown, kind: Kind): string {
  if (kind === 'int') return String(nonNegativeInt(key, v));
  if (kind === 'bool') return String(boolean(key, v));
  return oneOf(key, v, kind);
}

function checkRawValue(name: string, value: string, kind: Kind): void {
  const bad = (allowed: string) => new ConfigError('options', `${name} must be ${allowed}, got '${value}'`);
  if (kind === 'int') {
    if (!/^\d+$/.test(value) || BigInt(value) > I64_MAX) throw bad(`an integer from 0 to ${I64_MAX}`);
  } else if (kind === 'bool') {
    // Picodata uses Rust's bool parser: exactly 'true' or 'false'.
    if (value !== 'true' && value !== 'false') throw bad("'true' or 'false'");
  } else if (!kind.includes(value)) {
    throw bad(`one of ${kind.map((k) => `'${k}'`).join(', ')}`);
  }
}
