/**
 * `picots/testkit`: a local stand-in for a Picodata cluster, for tests, benchmarks and demos.
 *
 * It is a stand-in, not Picodata: one real PostgreSQL server listens on several loopback addresses,
 * each address plays one instance, and Picodata's discovery tables and functions are imitated in it.
 * It needs PostgreSQL's server programs on the machine (see {@link findPostgresBinaries}).
 *
 * @example
 * ```ts
 * import { startStandIn } from 'picots/testkit';
 * const standIn = await startStandIn({ instances: 3 });
 * const dsn = standIn.dsn('scram');          // postgresql://picots_scram:…@127.0.0.1:<port>/picots
 * await standIn.setState('i2', 'Offline');   // _pico_instance.current_state = ["Offline",1]
 * await standIn.stop();
 * ```
 *
 * @module picots/testkit
 */
export {
  attachStandIn,
  startStandIn,
  StandIn,
  type AddInstanceOptions,
  type BucketIdRange,
  type DsnOptions,
  type StandInDescription,
  type StandInInstance,
  type StandInOptions,
  type StandInTierOptions,
  type TableDistribution,
  type TopologyTable,
} from './stand-in.js';
export { TOPOLOGY_TABLES } from './sharding-schema.js';
export type { KeyedStatementRecord } from './gateway/keyed-recorder.js';
export {
  loopbackAddresses,
  startPostgres,
  type PostgresServer,
  type PostgresServerOptions,
} from './postgres-server.js';
export { findPostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
export { makeCertificates, type CertificateOptions, type TlsMaterial } from './certs.js';
export { INSTANCE_STATES, type InstanceStateName, type SchemaShape } from './picodata-schema.js';
export { runPsql, type AdminTarget, type PsqlOptions } from './psql.js';
export { STAND_IN_USERS, type StandInUser, type StandInUsers, type UserKind } from './users.js';
export { StandInError } from './stand-in-error.js';
export {
  Cluster,
  startCluster,
  type ClusterAddInstanceOptions,
  type ClusterDsnOptions,
  type ClusterInstance,
  type ClusterOptions,
} from './cluster.js';
export {
  Gateway,
  startGateway,
  type GatewayListenerInfo,
  type GatewayOptions,
  type GatewayTarget,
} from './gateway/gateway.js';
export {
  unexpectedStatements,
  type RecordedMessage,
  type SessionRecord,
  type SessionState,
} from './gateway/session-record.js';
