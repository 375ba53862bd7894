import { ConfigError } from '../errors.js';
import { QueryMetadataCache } from '../protocol/query-metadata.js';
import type { Int8Mode, RowMode } from '../protocol/query-types.js';
import { SSL_MODES, type SslMode, type TlsSettings } from './tls-settings.js';
import { DEFAULT_PORT } from './parse-dsn.js';

/** Options of one connection to one instance. Every field is validated before any I/O. */
export interface ConnectionOptions {
  /** Host name or IP address of the instance's PostgreSQL-protocol listener. */
  host: string;
  /** Port; Picodata's default pgproto port is 4327. */
  port?: number;
  /** The user to log in as (required: Picodata has no default user). */
  user: string;
  /** Never appears in any error or log message. */
  password?: string;
  /** Sent as `database`; Picodata ignores it, PostgreSQL uses it. */
  database?: string;
  /** Milliseconds for TCP, TLS, authentication and the first ReadyForQuery together. Default 10000. */
  connectTimeout?: number;
  /** TCP keepalive, so half-open sockets behind NATs and proxies are found. Default true. */
  keepAlive?: boolean;
  /** Idle milliseconds before the first keepalive probe. Default 10000. */
  keepAliveInitialDelay?: number;
  /** An sslmode, or TLS settings with CA/cert/key. Default `prefer`. */
  ssl?: SslMode | TlsSettings;
  /**
   * Picodata's `options` startup parameter, already in its `name=value,name=value` form. Picodata drops
   * the connection without an error on a malformed pair: build it with `buildPicodataOptions()`.
   */
  options?: string;
  /** Named statements kept per connection (LRU; evicted ones are closed on the server). 0 turns caching off. Default 100. */
  statementCacheSize?: number;
  /** Row shape. Default `object`. */
  rowMode?: RowMode;
  /** int8 decoding. Default `number` (fails loudly beyond 2^53; see {@link Int8Mode}). */
  int8?: Int8Mode;
  /** Aborts the connect. */
  signal?: AbortSignal;
  /**
   * Largest backend message accepted, in bytes (one DataRow holds one row). A server that announces a
   * longer one fails the connection with a ProtocolError before anything of it is buffered, so a broken or
   * hostile server cannot make the client allocate without bound. Default 64 MiB; at most 1 GiB - 1, the
   * protocol's own limit.
   */
  maxMessageSize?: number;
  /**
   * Whether statements written to the connection in the same tick share one Sync (up to 32 statements or
   * 64 KiB), which lets the server answer them with one flush: several times the throughput under
   * concurrency. Every caller still sees the outcome one Sync per statement gives, *on Picodata*: each
   * statement autocommits, and when one fails, the ones behind it in the window (which the server skipped)
   * are sent again. PostgreSQL instead runs a window as one implicit transaction and rolls back the
   * statements before a failing one, so a caller could be told of a write that was undone.
   *
   * - `'auto'` (default): on when the server sent no BackendKeyData at startup, which Picodata never sends and
   *   PostgreSQL always does (the stand-in's gateway, which behaves like Picodata, does not either);
   * - `true`: always on (only for a Picodata behind a proxy that adds BackendKeyData, or for statements that
   *   cannot fail halfway, as in a benchmark);
   * - `false`: one Sync per statement.
   */
  syncCoalescing?: boolean | 'auto';
  /**
   * Where Picodata's query-metadata notices go (sent with `pico_query_metadata=true`, 26.1.1+); the cluster
   * pool shares one per pool. Without it they are dropped. Either way they are never emitted as `notice`.
   */
  metadataCache?: QueryMetadataCache;
}

/** Options with defaults applied. */
export interface ResolvedConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  connectTimeout: number;
  keepAlive: boolean;
  keepAliveInitialDelay: number;
  tls: TlsSettings;
  statementCacheSize: number;
  rowMode: RowMode;
  int8: Int8Mode;
  signal: AbortSignal | undefined;
  maxMessageSize: number;
  syncCoalescing: boolean | 'auto';
  startupParameters: Record<string, string>;
  metadataCache: QueryMetadataCache | undefined;
}

const KNOWN = new Set([
  'host', 'port', 'user', 'password', 'database', 'connectTimeout', 'keepAlive', 'keepAliveInitialDelay', 'ssl',
  'options', 'statementCacheSize', 'rowMode', 'int8', 'signal', 'maxMessageSize', 'syncCoalescing', 'metadataCache',
]);

/** Default {@link ConnectionOptions.maxMessageSize}: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
/** PostgreSQL's own limit on one message (MaxAllocSize - 1). */
const MAX_MESSAGE_SIZE_LIMIT = 0x3fffffff;
/** Enough for any startup exchange and error message. */
const MIN_MESSAGE_SIZE = 4096;

/** Validates and fills in defaults; throws ConfigError naming the option and the allowed values. */
export function resolveConnectionOptions(o: ConnectionOptions): ResolvedConnectionOptions {
  if (o === null || typeof o !== 'object') throw new ConfigError('options', 'connection options must be an object');
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new ConfigError(key, `unknown connection option; allowed: ${[...KNOWN].join(', ')}`);
  }
  if (typeof o.host !== 'string' || o.host === '') throw new ConfigError('host', 'must be a non-empty string');
  if (typeof o.user !== 'string' || o.user === '') throw new ConfigError('user', 'must be a non-empty string (Picodata requires a user)');
  if (o.password !== undefined && typeof o.password !== 'string') throw new ConfigError('password', 'must be a string');
  if (o.database !== undefined && typeof o.database !== 'string') throw new ConfigError('database', 'must be a string');
  const port = o.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError('port', `must be an integer from 1 to 65535, got ${String(o.port)}`);
  const connectTimeout = ms('connectTimeout', o.connectTimeout, 10_000);
  const keepAliveInitialDelay = ms('keepAliveInitialDelay', o.keepAliveInitialDelay, 10_000);
  if (o.keepAlive !== undefined && typeof o.keepAlive !== 'boolean') throw new ConfigError('keepAlive', 'must be true or false');
  const statementCacheSize = o.statementCacheSize ?? 100;
  if (!Number.isInteger(statementCacheSize) || statementCacheSize < 0) throw new ConfigError('statementCacheSize', 'must be a non-negative integer (0 turns the cache off)');
  const rowMode = o.rowMode ?? 'object';
  if (rowMode !== 'object' && rowMode !== 'array') throw new ConfigError('rowMode', `must be 'object' or 'array', got ${String(o.rowMode)}`);
  const int8 = o.int8 ?? 'number';
  if (int8 !== 'number' && int8 !== 'bigint' && int8 !== 'string') throw new ConfigError('int8', `must be 'number', 'bigint' or 'string', got ${String(o.int8)}`);
  const maxMessageSize = o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (!Number.isInteger(maxMessageSize) || maxMessageSize < MIN_MESSAGE_SIZE || maxMessageSize > MAX_MESSAGE_SIZE_LIMIT) {
    throw new ConfigError('maxMessageSize', `must be an integer number of bytes from ${MIN_MESSAGE_SIZE} to ${MAX_MESSAGE_SIZE_LIMIT}, got ${String(o.maxMessageSize)}`);
  }
  const syncCoalescing = o.syncCoalescing ?? 'auto';
  if (syncCoalescing !== 'auto' && typeof syncCoalescing !== 'boolean') {
    throw new ConfigError('syncCoalescing', `must be true, false or 'auto', got ${typeof syncCoalescing === 'string' ? `'${syncCoalescing}'` : String(syncCoalescing)}`);
  }
  if (o.options !== undefined && typeof o.options !== 'string') throw new ConfigError('options', "must be a string in Picodata's 'name=value,name=value' form");
  if (o.metadataCache !== undefined && !(o.metadataCache instanceof QueryMetadataCache)) throw new ConfigError('metadataCache', 'must be a QueryMetadataCache');

  const startupParameters: Record<string, string> = { user: o.user };
  if (o.database !== undefined && o.database !== '') startupParameters.database = o.database;
  if (o.options !== undefined && o.options !== '') startupParameters.options = o.options;

  return {
    host: o.host,
    port,
    user: o.user,
    password: o.password,
    connectTimeout,
    keepAlive: o.keepAlive ?? true,
    keepAliveInitialDelay,
    tls: resolveTls(o.ssl),
    statementCacheSize,
    rowMode,
    int8,
    signal: o.signal,
    maxMessageSize,
    syncCoalescing,
    startupParameters,
    metadataCache: o.metadataCache,
  };
}

function resolveTls(ssl: ConnectionOptions['ssl']): TlsSettings {
  if (ssl === undefined) return { mode: 'prefer' };
  const settings = typeof ssl === 'string' ? { mode: ssl } : ssl;
  if (settings === null || typeof settings !== 'object' || !SSL_MODES.includes(settings.mode)) {
    throw new ConfigError('ssl', `mode must be one of ${SSL_MODES.join(', ')}`);
  }
  return settings;
}

function ms(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || (!Number.isFinite(value) && value !== Infinity)) {
    throw new ConfigError(option, `must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
