/**
 * How `picots route` reads a sharding key from the command line, where every argument is a string: a part
 * written as a plain integer is an integer, `null` is NULL, anything else is text, and a `type:` prefix
 * says the type outright. One rule, checked here, so that the bucket the command prints is the bucket of
 * the value the application sends.
 */
import { suggest } from '../config/validate.js';
import { ParameterError } from '../errors.js';
import { keyHash } from '../routing/bucket-id.js';
import { keyPart, type KeyPart } from '../routing/key-part.js';
import { showArgument } from './dsn-argument.js';
import { UsageError } from './usage-error.js';

/** The rule as `picots route --help` prints it. */
export const KEY_PART_RULES = `key parts, in the table's sharding-key order (its DISTRIBUTED BY list, else its primary key):
  42, -7             an integer (written as one: no sign '+', no leading zeros)
  null, NULL         NULL
  anything else      text ('eu', '007', '1.5', 'true' are all text)
  a type: prefix     says the type: int:42  text:42  text:null  uuid:9035910e-8342-4460-8c25-25e5f10d9876
                     decimal:1.50 (the scale counts: 1.5 and 1.50 are other buckets)  double:1  double:0.5
                     bool:true  datetime:2025-06-10T12:10:08Z (a zone is needed: Z or +03:00)
Give each part as the statement sends it: a uuid column's value as uuid:..., a numeric one as decimal:...`;

/** The Picodata type a part is hashed as, as `picots route` shows it. */
export type KeyPartKind = 'integer' | 'text' | 'null' | 'uuid' | 'decimal' | 'double' | 'boolean' | 'datetime';

/** One key part read from the command line. */
export interface KeyArgument {
  /** The value, as `bucketId` takes it. */
  readonly part: KeyPart;
  readonly kind: KeyPartKind;
  /** The value as text (integers exact), for output. */
  readonly text: string;
  /** Set when the part is hashed as text but looks as if another type was meant. */
  readonly note?: string;
}

const PREFIXES = ['int', 'text', 'uuid', 'decimal', 'double', 'bool', 'datetime'] as const;
type Prefix = (typeof PREFIXES)[number];
const PREFIXED = /^([a-z]+):([\s\S]*)$/i;
const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const LOOSE_INTEGER = /^[-+]?\d+$/;
const NUMBER_LIKE = /^[-+]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?e[-+]?\d+)$/i;
const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOUBLE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$|^[-+]?Infinity$/i;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[-+]\d{2}(?::?\d{2})?)$/i;

/**
 * Reads the key parts of `picots route`. Throws a {@link UsageError} naming the part (1-based) for a value
 * that does not fit its type or cannot be hashed (an integer beyond int64/uint64, a malformed uuid).
 *
 * @example
 * parseKeyArguments(['42', 'eu']).map((a) => a.kind)   // ['integer', 'text']
 * parseKeyArguments(['text:42', 'decimal:1.50'])[1]    // { kind: 'decimal', text: '1.50', ... }
 */
export function parseKeyArguments(args: readonly string[]): KeyArgument[] {
  if (args.length === 0) throw new UsageError('the key is missing after the DSN: give its parts, e.g. picots route <dsn> 42 eu');
  return args.map((arg, i) => {
    let parsed: KeyArgument;
    try {
      parsed = parseOne(arg);
      // Hashed once here, so that a value the hash refuses (an integer beyond 64 bits) is a usage error.
      keyHash(parsed.part);
    } catch (error) {
      if (error instanceof UsageError || error instanceof ParameterError) {
        throw new UsageError(`key part ${i + 1} '${showArgument(arg)}': ${error.message.replace(/^keyPart\.\w+: |^bucketId: /, '')}`);
      }
      throw error;
    }
    return parsed;
  });
}

function parseOne(arg: string): KeyArgument {
  const prefixed = PREFIXED.exec(arg);
  if (prefixed !== null && (PREFIXES as readonly string[]).includes(prefixed[1]!.toLowerCase())) {
    return typed(prefixed[1]!.toLowerCase() as Prefix, prefixed[2]!);
  }
  if (arg === 'null' || arg === 'NULL') return { part: null, kind: 'null', text: 'NULL' };
  if (INTEGER.test(arg)) return { part: BigInt(arg), kind: 'integer', text: arg };
  return { part: arg, kind: 'text', text: arg, ...textNote(arg, prefixed?.[1]) };
}

function typed(prefix: Prefix, value: string): KeyArgument {
  switch (prefix) {
    case 'text':
      return { part: value, kind: 'text', text: value };
    case 'int':
      if (!LOOSE_INTEGER.test(value)) throw new UsageError(`int: takes a whole number such as int:42 or int:-7; got '${showArgument(value)}'`);
      return { part: BigInt(value), kind: 'integer', text: BigInt(value).toString() };
    case 'uuid':
      return { part: keyPart.uuid(value), kind: 'uuid', text: value };
    case 'decimal':
      return { part: keyPart.decimal(value), kind: 'decimal', text: value };
    case 'double':
      if (!DOUBLE.test(value)) throw new UsageError(`double: takes a number such as double:1 or double:0.5; got '${showArgument(value)}'`);
      return { part: keyPart.double(Number(value)), kind: 'double', text: String(Number(value)) };
    case 'bool': {
      const v = value.toLowerCase();
      if (v !== 'true' && v !== 'false') throw new UsageError(`bool: takes true or false; got '${showArgument(value)}'`);
      return { part: v === 'true', kind: 'boolean', text: v };
    }
    case 'datetime':
      return datetime(value);
  }
}

function datetime(value: string): KeyArgument {
  const m = DATETIME.exec(value);
  if (m === null) {
    throw new UsageError(`datetime: takes an ISO date and time with its zone, such as datetime:2025-06-10T12:10:08Z or datetime:2025-06-10T15:10:08+03:00; got '${showArgument(value)}'`);
  }
  const zone = m[3]!.toUpperCase();
  const offset = zone === 'Z' ? 0 : offsetMinutes(zone);
  const iso = `${m[1]}T${m[2]}${offset === 0 ? 'Z' : isoOffset(offset)}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new UsageError(`datetime: '${showArgument(value)}' is not a valid date and time`);
  const part = offset === 0 ? date : keyPart.datetime(date, offset);
  return { part, kind: 'datetime', text: value };
}

/** Minutes as `+03:30`. */
function isoOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `+03`, `+0330`, `-03:30` as minutes. */
function offsetMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0));
}

/** A hint for a text part that looks like a number, a uuid, a boolean or a mistyped prefix. */
function textNote(arg: string, prefix: string | undefined): { note?: string } {
  const shown = `'${showArgument(arg)}'`;
  if (LOOSE_INTEGER.test(arg)) return { note: `${shown} is hashed as text (an integer has no '+' or leading zeros); write int:${arg} for the integer` };
  if (NUMBER_LIKE.test(arg)) return { note: `${shown} is hashed as text; write decimal:${arg} or double:${arg} for a number` };
  if (UUID_LIKE.test(arg)) return { note: `${shown} is hashed as text; write uuid:${arg} if the key column is a uuid` };
  if (/^(?:true|false)$/i.test(arg)) return { note: `${shown} is hashed as text; write bool:${arg.toLowerCase()} for a boolean` };
  if (prefix !== undefined) {
    const near = suggest(prefix.toLowerCase(), PREFIXES);
    if (near !== undefined) return { note: `${shown} is hashed as text: '${showArgument(prefix)}:' is not a type (did you mean '${near}:'?)` };
  }
  return {};
}
