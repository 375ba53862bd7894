import { quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * Picodata's discovery schema, re-created in PostgreSQL for the stand-in cluster, with the column types
 * Picodata reports over pgproto (text uuids, int8 raft ids, json states).
 *
 * Two shapes:
 * - `current` (Picodata 25.1+): `_pico_instance.name`/`current_state`, `_pico_peer_address.connection_type`
 *   with one `pgproto` and one `iproto` row per instance, `pico_instance_uuid()` and `instance_uuid()`;
 * - `legacy` (Picodata 24.x): `instance_id`/`instance_uuid`/`replicaset_id`/`current_grade`, one
 *   `_pico_peer_address` row per instance holding the iproto address (there was no pgproto row then),
 *   and only `instance_uuid()`.
 *
 * Which instance a session talks to is decided by the address it connected to: the table
 * `_stand_in_backend` maps each backend address `host:port` (as PostgreSQL sees it, from
 * `inet_server_addr()`) to an instance uuid. That is kept apart from the advertised address in
 * `_pico_peer_address`, so a proxy can advertise its own addresses while forwarding to the backends.
 */
export type SchemaShape = 'current' | 'legacy';

/** A state variant as the stand-in writes it into `_pico_instance` (the client's parsed state is `InstanceState`). */
export type InstanceStateName = 'Online' | 'Offline' | 'Expelled';

/** The states an instance may be put in. */
export const INSTANCE_STATES: readonly InstanceStateName[] = ['Online', 'Offline', 'Expelled'];

/** What identifies an instance in `_pico_instance`, shared by every testkit view of one. */
export interface InstanceIdentity {
  /** `i1`, `i2`, ...: `i` and the raft id. */
  readonly name: string;
  /** `_pico_instance.uuid`, random per instance. */
  readonly uuid: string;
  /** `_pico_instance.raft_id`: 1, 2, ... */
  readonly raftId: number;
  /** `_pico_instance.replicaset_name`. */
  readonly replicasetName: string;
  /** `_pico_instance.replicaset_uuid`. */
  readonly replicasetUuid: string;
  /** `_pico_instance.tier`. */
  readonly tier: string;
}

/** One instance as the schema stores it. */
export interface InstanceRecord extends InstanceIdentity {
  readonly picodataVersion: string;
  readonly state: InstanceStateName;
  /** The pgproto address advertised in `_pico_peer_address`. */
  readonly advertisedAddress: string;
  /** The iproto address advertised in `_pico_peer_address` (never listened on). */
  readonly iprotoAddress: string;
  /** `host:port` where PostgreSQL really accepts this instance's sessions. */
  readonly backendAddress: string;
}

/** The names that differ between the shapes. */
interface Columns {
  readonly name: string;
  readonly uuid: string;
  readonly replicaset: string;
  readonly current: string;
  readonly target: string;
}

const COLUMNS: Record<SchemaShape, Columns> = {
  current: { name: 'name', uuid: 'uuid', replicaset: 'replicaset_name', current: 'current_state', target: 'target_state' },
  legacy: { name: 'instance_id', uuid: 'instance_uuid', replicaset: 'replicaset_id', current: 'current_grade', target: 'target_grade' },
};

const THIS_INSTANCE = `SELECT instance_uuid FROM _stand_in_backend
  WHERE server_address = host(inet_server_addr()) || ':' || inet_server_port()`;

/**
 * Creates the tables and functions of one shape and lets `clientsRole` read them. The functions are
 * SECURITY DEFINER so the clients need no right on the mapping table, which Picodata does not have.
 */
export function discoverySchemaSql(shape: SchemaShape, clientsRole: string): string {
  const c = COLUMNS[shape];
  const role = quoteIdent(clientsRole);
  const instance =
    shape === 'current'
      ? `CREATE TABLE _pico_instance (
  name text PRIMARY KEY, uuid text NOT NULL UNIQUE, raft_id bigint NOT NULL UNIQUE,
  replicaset_name text NOT NULL, replicaset_uuid text NOT NULL,
  current_state json NOT NULL, target_state json NOT NULL, failure_domain json NOT NULL,
  tier text NOT NULL, picodata_version text NOT NULL);
CREATE TABLE _pico_peer_address (
  raft_id bigint NOT NULL, address text NOT NULL, connection_type text NOT NULL,
  PRIMARY KEY (raft_id, connection_type));`
      : `CREATE TABLE _pico_instance (
  instance_id text PRIMARY KEY, instance_uuid text NOT NULL UNIQUE, raft_id bigint NOT NULL UNIQUE,
  replicaset_id text NOT NULL, replicaset_uuid text NOT NULL,
  current_grade json NOT NULL, target_grade json NOT NULL, failure_domain json NOT NULL, tier text NOT NULL);
CREATE TABLE _pico_peer_address (raft_id bigint PRIMARY KEY, address text NOT NULL);`;
  // GRANT names a function by the same signature that created it.
  const fn = (signature: string, returns: string, body: string) =>
    `CREATE FUNCTION ${signature} RETURNS ${returns} LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp AS $fn$ ${body} $fn$;
GRANT EXECUTE ON FUNCTION ${signature} TO ${role};`;
  const functions = [fn('instance_uuid()', 'text', THIS_INSTANCE)];
  if (shape === 'current') {
    functions.push(
      fn('pico_instance_uuid()', 'text', THIS_INSTANCE),
      fn('pico_instance_name(text)', 'text', 'SELECT name FROM _pico_instance WHERE uuid = $1'),
      fn('pico_replicaset_name(text)', 'text', 'SELECT replicaset_name FROM _pico_instance WHERE uuid = $1'),
      fn('pico_tier_name(text)', 'text', 'SELECT tier FROM _pico_instance WHERE uuid = $1'),
      // The stand-in has no raft: the lowest raft id among Online instances plays the leader.
      fn('pico_raft_leader_id()', 'bigint', `SELECT min(raft_id) FROM _pico_instance WHERE ${c.current}->>0 = 'Online'`),
    );
  }
  return `${instance}
CREATE TABLE _stand_in_backend (server_address text PRIMARY KEY, instance_uuid text NOT NULL UNIQUE);
-- Picodata never reuses a raft id, even after an instance is expelled.
CREATE SEQUENCE _stand_in_raft_id;
GRANT SELECT ON _pico_instance, _pico_peer_address TO ${role};
${functions.join('\n')}`;
}

/** Adds an instance: its row, its advertised addresses and its backend address. */
export function insertInstanceSql(shape: SchemaShape, r: InstanceRecord): string {
  const c = COLUMNS[shape];
  const incarnation = r.state === 'Online' ? 1 : 0;
  const state = quoteLiteral(stateJson(r.state, incarnation));
  const common = [r.name, r.uuid].map(quoteLiteral).concat(String(r.raftId), quoteLiteral(r.replicasetName),
    quoteLiteral(r.replicasetUuid), state, state, `'{}'`, quoteLiteral(r.tier));
  const instance =
    shape === 'current'
      ? `INSERT INTO _pico_instance (name, uuid, raft_id, replicaset_name, replicaset_uuid, current_state, target_state,
  failure_domain, tier, picodata_version) VALUES (${common.join(', ')}, ${quoteLiteral(r.picodataVersion)});`
      : `INSERT INTO _pico_instance (${c.name}, ${c.uuid}, raft_id, ${c.replicaset}, replicaset_uuid, ${c.current}, ${c.target},
  failure_domain, tier) VALUES (${common.join(', ')});`;
  const peers =
    shape === 'current'
      ? `INSERT INTO _pico_peer_address (raft_id, address, connection_type) VALUES
  (${r.raftId}, ${quoteLiteral(r.advertisedAddress)}, 'pgproto'), (${r.raftId}, ${quoteLiteral(r.iprotoAddress)}, 'iproto');`
      : `INSERT INTO _pico_peer_address (raft_id, address) VALUES (${r.raftId}, ${quoteLiteral(r.iprotoAddress)});`;
  return `${instance}
${peers}
INSERT INTO _stand_in_backend (server_address, instance_uuid) VALUES (${quoteLiteral(r.backendAddress)}, ${quoteLiteral(r.uuid)});
SELECT setval('_stand_in_raft_id', greatest(${r.raftId}, (SELECT last_value FROM _stand_in_raft_id)));`;
}

/** Deletes every trace of an instance (as if expelled and forgotten). Prints its name when it existed. */
export function removeInstanceSql(shape: SchemaShape, name: string): string {
  const c = COLUMNS[shape];
  const where = `${c.name} = ${quoteLiteral(name)}`;
  return `DELETE FROM _pico_peer_address WHERE raft_id IN (SELECT raft_id FROM _pico_instance WHERE ${where});
DELETE FROM _stand_in_backend WHERE instance_uuid IN (SELECT ${c.uuid} FROM _pico_instance WHERE ${where});
DELETE FROM _pico_instance WHERE ${where} RETURNING ${c.name};`;
}

/**
 * Sets the current and target state. As in Picodata, the incarnation (second element) grows by one when
 * the target becomes Online again, and stays otherwise; both states carry the target's incarnation.
 * Prints the name when the instance exists.
 */
export function setStateSql(shape: SchemaShape, name: string, current: InstanceStateName, target: InstanceStateName): string {
  const c = COLUMNS[shape];
  const incarnation = `((${c.target}->>1)::bigint + CASE WHEN ${c.target}->>0 <> 'Online' AND ${quoteLiteral(target)} = 'Online' THEN 1 ELSE 0 END)`;
  const json = (state: InstanceStateName) => `('["${state}",' || ${incarnation} || ']')::json`;
  return `UPDATE _pico_instance SET ${c.current} = ${json(current)}, ${c.target} = ${json(target)}
  WHERE ${c.name} = ${quoteLiteral(name)} RETURNING ${c.name};`;
}

/** Changes the pgproto address advertised for an instance (legacy: the only address). Prints the raft id. */
/** Sets an instance's `failure_domain` (a json map such as `{"zone":"eu-1"}`). */
export function setFailureDomainSql(shape: SchemaShape, name: string, domain: Readonly<Record<string, string>>): string {
  const c = COLUMNS[shape];
  return `UPDATE _pico_instance SET failure_domain = ${quoteLiteral(JSON.stringify(domain))}::json WHERE ${c.name} = ${quoteLiteral(name)} RETURNING ${c.name};`;
}

export function setAdvertisedAddressSql(shape: SchemaShape, name: string, address: string): string {
  const c = COLUMNS[shape];
  const kind = shape === 'current' ? ` AND connection_type = 'pgproto'` : '';
  return `UPDATE _pico_peer_address SET address = ${quoteLiteral(address)}
  WHERE raft_id = (SELECT raft_id FROM _pico_instance WHERE ${c.name} = ${quoteLiteral(name)})${kind} RETURNING raft_id;`;
}

/** The next unused raft id. */
export const NEXT_RAFT_ID_SQL = `SELECT nextval('_stand_in_raft_id');`;

/**
 * Reads the instances back (current shape) as one JSON array, for a handle that needs the truth after
 * other processes changed it.
 */
export const READ_INSTANCES_SQL = `SELECT coalesce(json_agg(json_build_object(
  'name', i.name, 'uuid', i.uuid, 'raftId', i.raft_id, 'replicasetName', i.replicaset_name,
  'replicasetUuid', i.replicaset_uuid, 'tier', i.tier, 'picodataVersion', i.picodata_version,
  'state', i.current_state->>0, 'backendAddress', b.server_address,
  'advertisedAddress', (SELECT address FROM _pico_peer_address p WHERE p.raft_id = i.raft_id AND connection_type = 'pgproto'),
  'iprotoAddress', (SELECT address FROM _pico_peer_address p WHERE p.raft_id = i.raft_id AND connection_type = 'iproto')
) ORDER BY i.raft_id), '[]') FROM _pico_instance i JOIN _stand_in_backend b ON b.instance_uuid = i.uuid;`;

function stateJson(state: InstanceStateName, incarnation: number): string {
  // Picodata prints compact JSON: ["Online",1].
  return `[${JSON.stringify(state)},${incarnation}]`;
}
