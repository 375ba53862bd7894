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
 *
 * @module picots
 */
export { Connection, type ConnectionEvents, type Notice } from './protocol/connection.js';
export { QueryMetadataCache, type QueryMetadata } from './protocol/query-metadata.js';
export type { ConnectionOptions } from './config/connection-options.js';
export type { ExecuteResult, FieldInfo, Int8Mode, QueryOptions, QueryParams, QueryResult, RowMode } from './protocol/query-types.js';
export type { SslMode, TlsSettings } from './config/tls-settings.js';
export { buildPicodataOptions, type PicodataOptions, type ReadPreference, type ForwardMode } from './config/picodata-options.js';
export type { PicodataOptionsResult } from './config/picodata-options.js';
export { parseDsn, type ParsedDsn, type DsnHost } from './config/parse-dsn.js';
export type { DsnParams } from './config/parse-dsn.js';
export { redactDsn } from './config/redact-dsn.js';
export { Pool } from './cluster/pool.js';
export type { ClusterQueryOptions, ClusterAcquireOptions, OwnerOfOptions } from './cluster/cluster-query-options.js';
export { Client, type ClientOptions } from './cluster/client.js';
export type { PoolOptions, Logger, LogFields } from './config/cluster-options.js';
export type { ClusterEvents, PicotsWarning, RetryEvent, TopologyChange } from './cluster/cluster-events.js';
export type { ClusterStats, InstanceStats, InstanceStatus } from './cluster/cluster-stats.js';
export type { ConnectionHandle } from './cluster/connection-handle.js';
export type { PoolConnection } from './cluster/pool-connection.js';
export type { InstanceRef } from './cluster/instance-ref.js';
export type { AcquireConnectionOptions } from './cluster/instance-connections.js';
export { roundRobin, random, leastBusy, type BuiltInStrategyName, type StrategyOptions, type RoundRobinOptions } from './balance/strategies.js';
export type { InstanceInfo, BalanceContext, NodeStrategy, ConnectionStrategy } from './balance/instance-info.js';
export { StrategyError } from './balance/run-strategy.js';
export type { Locality } from './balance/locality.js';
export { discoverInstances, type DiscoveredInstance, type DiscoveryResult, type DiscoverOptions } from './topology/discover.js';
export type { DiscoveryQueryable } from './topology/discover.js';
export { DiscoveryMemo, type DiscoveryMemoEntry, type DiscoveryRound } from './topology/discover.js';
export type { DiscoverySchema, SelfUuidFunction } from './topology/discovery-sql.js';
export type { PeerAddress } from './topology/peer-address.js';
export type { InstanceState, StateVariant } from './topology/instance-state.js';
export type { PoolStats, DestroyReason } from './resource-pool/pool-stats.js';
export type { CloseOptions } from './resource-pool/resource-pool-options.js';
export { OID } from './types/oids.js';
export { bucketId, keyHash, DEFAULT_BUCKET_COUNT, type BucketIdOptions } from './routing/bucket-id.js';
export { keyPart, TypedKeyPart, type KeyPart, type TypedKeyPartType } from './routing/key-part.js';
export { murmur3x86_32 } from './routing/murmur3.js';
export { keyFromParams, type DkMeta } from './routing/key-from-params.js';
export { isStaleRouteError } from './routing/stale-route-error.js';
export { TRACING_CHANNELS, DB_SYSTEM_NAME } from './tracing/channel-names.js';
export type { TraceTarget, TraceAnswer } from './tracing/trace-fields.js';
export type { QueryTraceContext } from './tracing/query-channel.js';
export type { AcquireTraceContext } from './tracing/acquire-channel.js';
export type { ConnectTraceContext, ConnectPhase } from './tracing/connect-channel.js';
export type { QuarantineMessage, RecoverMessage } from './tracing/event-channels.js';
export * from './errors.js';
