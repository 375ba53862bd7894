/**
 * picots: a TypeScript client for Picodata clusters.
 *
 * @example
 * ```ts
 * import { Pool } from 'picots';
 * const pool = new Pool({ dsn: 'postgresql://app:Secret123@127.0.0.1:4327', maxSize: 8 });
 * console.log(await pool.fetch('SELECT 1 AS one'));
 * await pool.close();
 * ```
 */
export { Connection, type Notice } from './connection/connection.js';
export type { ConnectionOptions } from './connection/connection-options.js';
export type { ExecuteResult, FieldInfo, Int8Mode, QueryOptions, QueryParams, QueryResult, RowMode } from './connection/query-types.js';
export type { SslMode, TlsSettings } from './connection/tls-settings.js';
export { buildPicodataOptions, type PicodataOptions, type ReadPreference, type ForwardMode } from './connection/picodata-options.js';
export { parseDsn, type ParsedDsn, type DsnHost } from './dsn/parse-dsn.js';
export { redactDsn } from './dsn/redact-dsn.js';
export { Pool, type ClusterStats, type InstanceStats, type InstanceStatus, type ClusterQueryOptions, type ClusterAcquireOptions } from './client/pool.js';
export { Client, type ClientOptions } from './client/client.js';
export { nodeStrategy, connectionStrategy, type PoolOptions, type Logger } from './client/pool-options.js';
export type { ConnectionHandle } from './client/connection-handle.js';
export { roundRobin, random, leastBusy, type BuiltInStrategyName } from './balance/strategies.js';
export type { InstanceInfo, BalanceContext, NodeStrategy, ConnectionStrategy } from './balance/instance-info.js';
export { StrategyError } from './balance/strategy-result.js';
export { discoverInstances, type DiscoveredInstance, type DiscoveryResult } from './topology/discover.js';
export type { InstanceState } from './topology/instance-state.js';
export { PoolConnection } from './client/pool-connection.js';
export type { InstanceRef } from './client/instance-ref.js';
export { InstancePool } from './client/instance-pool.js';
export { ResourcePool } from './pool/pool.js';
export type { PoolStats, DestroyReason } from './pool/pool-stats.js';
export { QueryMethods } from './query-methods.js';
export { OID } from './types/oids.js';
export * from './errors.js';
