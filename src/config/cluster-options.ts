import { readFileSync } from 'node:fs';
import type { Connection } from '../protocol/connection.js';
import { buildPicodataOptions, type PicodataOptions } from './picodata-options.js';
import type { ConnectionStrategy, NodeStrategy } from '../balance/instance-info.js';
import { isBuiltInStrategy, nodeStrategyOption, type BuiltInStrategyName } from '../balance/strategies.js';
import type { ConnectionHandle } from '../cluster/connection-handle.js';
import type { Int8Mode, RowMode } from '../protocol/query-types.js';
import type { SslMode, TlsSettings } from './tls-settings.js';
import { DEFAULT_SSL_MODE, parseDsn, type DsnHost } from './parse-dsn.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_MAX_ATTEMPTS } from '../failover/retry-policy.js';
import { checkLocality, type Locality } from '../balance/locality.js';
import { boolean, func, nonNegativeInt, nonNegativeMs, positiveInt, rejectUnknownKeys, string } from './validate.js';
import { foreignOptionHint } from './option-aliases.js';
import { positiveMsOrInfinity, resolveResourcePoolOptions } from '../resource-pool/resource-pool-options.js';
import { resolveConnectionOptions } from './connection-options.js';
import type { InstanceConnectionOptions, InstancePoolSettings } from '../cluster/instance-connections.js';

import type { Logger } from './logger.js';

export type { Logger, LogFields } from './logger.js';

/**
 * Options of {@link Pool}. Only `dsn` is required.
 *
 * @example
 * ```ts
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', maxSize: 16, enableDiscovery: true });
 * ```
 */
export interface PoolOptions extends PicodataOptions {
  /** `postgresql://user:password@host:port[,host:port...][/database][?sslmode=...&connect_timeout=...&options=...]` */
  dsn: string;
  /** Overrides the DSN's password (handy when the DSN comes from config and the secret from a vault). */
  password?: string;
  /** Connections in total, over all instances (spread evenly; see `maxSizePerInstance`). Default 10. */
  maxSize?: number;
  /** Connections kept open even when idle, in total. Default 0. */
  minSize?: number;
  /** Upper bound per instance, whatever `maxSize` would give it. Default none. */
  maxSizePerInstance?: number;
  /** Milliseconds `acquire()` and a query wait for a connection. Default 5000. */
  acquireTimeout?: number;
  /** Milliseconds a connection may stay idle before it is closed (down to `minSize`); 0 = never. Default 30000. */
  idleTimeout?: number;
  /** Milliseconds a connection may live (±10 % jitter); 0 = forever. Default 0. */
  maxLifetime?: number;
  /** Leases a connection serves before it is replaced; 0 = unlimited. Default 0. */
  maxUses?: number;
  /** Callers that may wait for a connection at once; more fail fast with PoolSaturatedError. Default Infinity. */
  maxWaiters?: number;
  /** Queries pipelined on one connection at once by `query()`/`fetch()`/... Default 32. */
  pipelining?: number;
  /** Runs once on each new connection. */
  setup?: (connection: Connection) => Promise<void>;
  /** Checks an idle connection before handing it to `acquire()`; false closes it. */
  beforeAcquire?: (connection: Connection) => boolean | Promise<boolean>;
  /** Runs when a connection comes back; false closes it. */
  afterRelease?: (connection: Connection) => boolean | Promise<boolean>;
  /** Connect deadline in ms (TCP + TLS + auth + first ReadyForQuery). Default: the DSN's `connect_timeout`, else 10000. */
  connectTimeout?: number;
  /** Default per-query deadline in ms (wait + execution); none by default. */
  queryTimeout?: number;
  /** TCP keepalive. Default true. */
  keepAlive?: boolean;
  /** sslmode, or TLS settings with PEM contents. Default: the DSN's `sslmode` (and its files), else `prefer`. */
  ssl?: SslMode | TlsSettings;
  /** Prepared statements cached per connection; 0 = off. Default 100. */
  statementCacheSize?: number;
  /** The largest message accepted from a server, in bytes (roughly one row); larger fails that connection. Default 64 MiB. */
  maxMessageSize?: number;
  /**
   * Statements written to one connection in the same tick share one Sync (one server flush), with every
   * caller's outcome the same as with one Sync each: `'auto'` (default) turns it on when the server sends no
   * BackendKeyData, as Picodata never does, and leaves it off on plain PostgreSQL, which would roll back a
   * window after an error; `true`; `false`.
   */
  syncCoalescing?: boolean | 'auto';
  /** Rows as objects keyed by column name (`'object'`, default) or as arrays of values (`'array'`). */
  rowMode?: RowMode;
  /**
   * How int8 values arrive (every Picodata integer is int8): `'number'` (default; a value beyond
   * ±2^53 throws a TypeConversionError rather than lose digits), `'bigint'` or `'string'`.
   */
  int8?: Int8Mode;
  /**
   * Where quarantine, recovery, topology changes and warnings are logged, as `(fields, message)` calls
   * (see {@link Logger}); `console` and pino loggers fit. Default: none (picots never writes to the console
   * on its own; debug lines go to `NODE_DEBUG=picots`).
   */
  logger?: Logger;
  /**
   * Find the cluster's Online instances in `_pico_instance` / `_pico_peer_address` and spread connections
   * over all of them, following changes. Default false: only the DSN's hosts are used.
   */
  enableDiscovery?: boolean;
  /** Milliseconds between topology reads when nothing changes (faster for a while after a change or error). Default 5000. */
  refreshInterval?: number;
  /**
   * How statements and sessions are spread over the instances: `'round-robin'` (default), `'random'`,
   * `'least-busy'`, a strategy from `roundRobin()`/`random()`/`leastBusy()`, or your own function
   * `(candidates, ctx) => candidate` over frozen {@link InstanceInfo} snapshots, whatever its declared
   * parameter count.
   */
  balanceStrategy?: BuiltInStrategyName | NodeStrategy;
  /**
   * picopyn's connection-level shape: `(connections) => connection` picks one of the open connections
   * ({@link ConnectionHandle}s, inert data) of the instances in rotation. When no connection is open yet,
   * `balanceStrategy` places the statement and a connection is opened. Default none.
   */
  connectionStrategy?: ConnectionStrategy<ConnectionHandle>;
  /**
   * Instances to prefer, while any of them is healthy: `{ tier?, failureDomain? }`, e.g.
   * `{ failureDomain: { zone: 'eu-1' } }` keeps statements in the client's zone and fails over to the
   * others only when none there can serve. Per statement too. Default none.
   */
  prefer?: Locality;
  /** Attempts per statement, the first included, when failures allow a retry. Default 3. */
  maxAttempts?: number;
  /** Milliseconds an instance that left the cluster may finish its statements before its connections are cut. Default 30000. */
  drainTimeout?: number;
  /**
   * Route statements to the owner of their rows by themselves (Picodata 26.1.1+): picots asks for Picodata's
   * query metadata at startup (`pico_query_metadata=true`), learns from each statement's first Parse which
   * parameters hold its sharding key, and from the next execution on sends it with that key, as if
   * `routeKey` had been given. Only single-row `INSERT … VALUES` with plain parameters gets a key today;
   * everything else, and every first execution, is routed as before. Default false.
   */
  autoRoute?: boolean;
}

/** What the pool works from once the options are checked. */
export interface ResolvedClusterOptions {
  seeds: DsnHost[];
  connection: Omit<InstanceConnectionOptions, 'host' | 'port'>;
  instanceSettings: InstancePoolSettings;
  maxSize: number;
  minSize: number;
  maxSizePerInstance: number;
  acquireTimeout: number;
  queryTimeout: number | undefined;
  logger: Logger | undefined;
  warnings: string[];
  enableDiscovery: boolean;
  refreshInterval: number;
  /** Deadline of a health probe and of a topology read, in ms. */
  probeTimeout: number;
  drainTimeout: number;
  maxAttempts: number;
  strategy: NodeStrategy;
  /** A built-in strategy is trusted with live members; a user's function gets frozen snapshots. */
  strategyIsBuiltIn: boolean;
  prefer: Locality | undefined;
  connectionStrategy: ConnectionStrategy<ConnectionHandle> | undefined;
  /** The typed Picodata options, to build per-read-preference variants. */
  picodata: PicodataOptions;
  rawPicodataOptions: string | undefined;
  autoRoute: boolean;
}

export const CLUSTER_OPTION_KEYS = [
  'dsn', 'password', 'maxSize', 'minSize', 'maxSizePerInstance', 'acquireTimeout', 'idleTimeout', 'maxLifetime',
  'maxUses', 'maxWaiters', 'pipelining', 'setup', 'beforeAcquire', 'afterRelease', 'connectTimeout', 'queryTimeout',
  'keepAlive', 'ssl', 'statementCacheSize', 'maxMessageSize', 'syncCoalescing', 'rowMode', 'int8', 'logger',
  'readPreference', 'forward', 'sqlMotionRowMax', 'sqlVdbeOpcodeMax', 'queryMetadata', 'stmtInvalidation',
  'enableDiscovery', 'refreshInterval', 'balanceStrategy', 'connectionStrategy', 'prefer', 'maxAttempts', 'drainTimeout',
  'autoRoute',
] as const;

/** Validates every option before any I/O; throws ConfigError naming the option and the allowed values. */
export function resolveClusterOptions(o: PoolOptions, extraKeys: readonly string[] = []): ResolvedClusterOptions {
  rejectUnknownKeys('pool options', o, [...CLUSTER_OPTION_KEYS, ...extraKeys], foreignOptionHint);
  const dsn = parseDsn(string('dsn', o.dsn, { nonEmpty: true }));
  const maxSize = o.maxSize === undefined ? 10 : positiveInt('maxSize', o.maxSize);
  const minSize = o.minSize === undefined ? 0 : nonNegativeInt('minSize', o.minSize);
  if (minSize > maxSize) throw new ConfigError('minSize', `must be <= maxSize (${maxSize}), got ${minSize}`);
  const maxSizePerInstance = o.maxSizePerInstance === undefined ? Infinity : positiveInt('maxSizePerInstance', o.maxSizePerInstance);

  const autoRoute = o.autoRoute === undefined ? false : boolean('autoRoute', o.autoRoute);
  if (autoRoute && o.queryMetadata === false) {
    throw new ConfigError('queryMetadata', 'cannot be false with autoRoute: true, which needs the query metadata (pico_query_metadata=true)');
  }
  const typedPicodata: PicodataOptions = {
    readPreference: o.readPreference ?? dsn.params.readPreference,
    forward: o.forward,
    sqlMotionRowMax: o.sqlMotionRowMax,
    sqlVdbeOpcodeMax: o.sqlVdbeOpcodeMax,
    queryMetadata: autoRoute ? true : o.queryMetadata,
    stmtInvalidation: o.stmtInvalidation,
  };
  const picodata = buildPicodataOptions(typedPicodata, dsn.params.options);

  const connectTimeout = o.connectTimeout !== undefined
    ? positiveMsOrInfinity('connectTimeout', o.connectTimeout)
    : dsn.params.connectTimeoutMs ?? 10_000;
  const password = o.password !== undefined ? string('password', o.password) : dsn.password;
  if (o.keepAlive !== undefined) boolean('keepAlive', o.keepAlive);
  if (o.logger !== undefined && (typeof o.logger !== 'object' || o.logger === null || typeof o.logger.warn !== 'function')) {
    throw new ConfigError('logger', 'must be an object with a warn(fields, message) method, and optionally info and debug (console and pino loggers fit)');
  }
  for (const level of ['info', 'debug'] as const) {
    if (o.logger?.[level] !== undefined && typeof o.logger[level] !== 'function') throw new ConfigError(`logger.${level}`, 'must be a function (fields, message) or absent');
  }

  const connection: ResolvedClusterOptions['connection'] = {
    user: dsn.user,
    password,
    database: dsn.database,
    connectTimeout,
    keepAlive: o.keepAlive ?? true,
    ssl: o.ssl ?? tlsFromDsn(dsn.params),
    options: picodata.options,
    statementCacheSize: o.statementCacheSize,
    maxMessageSize: o.maxMessageSize,
    syncCoalescing: o.syncCoalescing,
    rowMode: o.rowMode,
    int8: o.int8,
  };

  const instanceSettings: InstancePoolSettings = {
    acquireTimeout: o.acquireTimeout,
    idleTimeout: o.idleTimeout,
    maxLifetime: o.maxLifetime,
    maxUses: o.maxUses,
    maxWaiters: o.maxWaiters,
    pipelining: o.pipelining ?? 32,
    setup: o.setup === undefined ? undefined : func<NonNullable<PoolOptions['setup']>>('setup', o.setup),
    beforeAcquire: o.beforeAcquire === undefined ? undefined : func<NonNullable<PoolOptions['beforeAcquire']>>('beforeAcquire', o.beforeAcquire),
    afterRelease: o.afterRelease === undefined ? undefined : func<NonNullable<PoolOptions['afterRelease']>>('afterRelease', o.afterRelease),
  };
  for (const key of Object.keys(instanceSettings) as Array<keyof InstancePoolSettings>) {
    if (instanceSettings[key] === undefined) delete instanceSettings[key];
  }
  // Each layer's own checks run now, so a bad option throws from the constructor: never from connect(),
  // where it would look like an unreachable instance and put it in quarantine.
  resolveConnectionOptions({ ...connection, host: dsn.hosts[0]!.host, port: dsn.hosts[0]!.port });
  resolveResourcePoolOptions({ ...instanceSettings, create: unused, destroy: unused });

  return {
    seeds: dsn.hosts,
    connection,
    instanceSettings,
    maxSize,
    minSize,
    maxSizePerInstance,
    acquireTimeout: o.acquireTimeout === undefined ? 5_000 : positiveMsOrInfinity('acquireTimeout', o.acquireTimeout),
    queryTimeout: o.queryTimeout === undefined ? undefined : nonNegativeMs('queryTimeout', o.queryTimeout) || undefined,
    logger: o.logger,
    warnings: picodata.warnings,
    enableDiscovery: o.enableDiscovery === undefined ? false : boolean('enableDiscovery', o.enableDiscovery),
    refreshInterval: o.refreshInterval === undefined ? 5_000 : positiveMsOrInfinity('refreshInterval', o.refreshInterval),
    probeTimeout: connectTimeout === Infinity ? 10_000 : connectTimeout,
    drainTimeout: o.drainTimeout === undefined ? 30_000 : nonNegativeMs('drainTimeout', o.drainTimeout),
    maxAttempts: o.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : positiveInt('maxAttempts', o.maxAttempts),
    ...resolveStrategies(o),
    prefer: checkLocality('prefer', o.prefer),
    picodata: typedPicodata,
    rawPicodataOptions: dsn.params.options,
    autoRoute,
  };
}

function resolveStrategies(o: PoolOptions): Pick<ResolvedClusterOptions, 'strategy' | 'strategyIsBuiltIn' | 'connectionStrategy'> {
  const custom = typeof o.balanceStrategy === 'function' && !isBuiltInStrategy(o.balanceStrategy);
  return {
    strategy: nodeStrategyOption('balanceStrategy', o.balanceStrategy),
    strategyIsBuiltIn: !custom,
    connectionStrategy: o.connectionStrategy === undefined
      ? undefined
      : func<ConnectionStrategy<ConnectionHandle>>('connectionStrategy', o.connectionStrategy),
  };
}

function unused(): never {
  throw new Error('only validated, never called');
}

function tlsFromDsn(params: { sslmode?: SslMode; sslrootcert?: string; sslcert?: string; sslkey?: string }): TlsSettings {
  const settings: TlsSettings = { mode: params.sslmode ?? DEFAULT_SSL_MODE };
  if (params.sslrootcert !== undefined) settings.ca = readPem('sslrootcert', params.sslrootcert);
  if (params.sslcert !== undefined) settings.cert = readPem('sslcert', params.sslcert);
  if (params.sslkey !== undefined) settings.key = readPem('sslkey', params.sslkey);
  return settings;
}

function readPem(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(option, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
