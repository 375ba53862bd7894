/**
 * The SQL that discovery sends, for each shape of Picodata's system tables, and how to tell from an error
 * that a shape does not exist on the server.
 *
 * Shapes (read from Picodata's `src/storage.rs` and `src/instance.rs` at each release tag):
 * - `current`, Picodata 25.1.1+: `_pico_instance (name, uuid, raft_id, replicaset_name, replicaset_uuid,
 *   current_state, target_state, failure_domain, tier, picodata_version, ...)` and
 *   `_pico_peer_address (raft_id, address, connection_type)` with one row per connection type, `pgproto`
 *   among them. This is the only shape that says where an instance's pgproto listener is.
 * - `legacy`, Picodata up to 24.7: `_pico_peer_address (raft_id, address)` has a single row per instance and
 *   it is the **iproto** address (there was no pgproto row then), so other instances' pgproto addresses are
 *   unknown and a client can use only the addresses it was given. `_pico_instance` was
 *   `(instance_id, instance_uuid, raft_id, replicaset_id, replicaset_uuid, current_grade, target_grade,
 *   failure_domain, tier)` up to 24.5 and already `(name, uuid, ..., current_state, target_state, ...)` in
 *   24.6-24.7. Legacy discovery reads `SELECT *` and maps whichever names it finds, so one fallback covers both.
 *
 * Errors: PostgreSQL (the test stand-in) reports 42703 / 42P01 / 42883; Picodata reports every SQL-engine
 * error as XX000, so the message is what tells, e.g. `column with name "name" not found`,
 * `table with name "_pico_peer_address" not found`, `SQL function instance_uuid not found`.
 *
 * @example
 * ```ts
 * try { await db.query(CURRENT_DISCOVERY_SQL) }
 * catch (e) { if (isMissingSchemaObjectError(e)) { ...try the legacy shape... } else throw e }
 * ```
 */
import { ServerError } from '../errors.js';

/** Which shape of the system tables the server has. */
export type DiscoverySchema = 'current' | 'legacy';

/** A function that names the instance a session is connected to. */
export type SelfUuidFunction = 'pico_instance_uuid' | 'instance_uuid';

/**
 * Current shape (Picodata 25.1.1+): every instance with its advertised pgproto address. An instance
 * without a pgproto row (possible for a moment while it joins) is simply not listed yet.
 */
export const CURRENT_DISCOVERY_SQL =
  'SELECT pi.name, pi.uuid, pi.raft_id, pi.replicaset_name, pi.replicaset_uuid, pi.current_state, ' +
  'pi.target_state, pi.failure_domain, pi.tier, ppa.address ' +
  'FROM _pico_instance pi JOIN _pico_peer_address ppa ON ppa.raft_id = pi.raft_id ' +
  "WHERE ppa.connection_type = 'pgproto'";

/**
 * Legacy shape (Picodata up to 24.7): every column, because the names differ between 24.5 and 24.6; see
 * the module comment.
 */
export const LEGACY_INSTANCES_SQL = 'SELECT * FROM _pico_instance';

/**
 * Legacy shape: the only address each instance published, its iproto one (not connectable over pgproto).
 * `*` rather than two columns, because a server upgraded since the shape was remembered still answers the
 * legacy statements: a `connection_type` column in this result is how discovery notices the upgrade.
 */
export const LEGACY_PEER_ADDRESSES_SQL = 'SELECT * FROM _pico_peer_address';

/**
 * The functions that name this instance, newest first: `pico_instance_uuid()` (25.3.1+) and
 * `instance_uuid()` (25.2.1, deprecated, removed after 26.3.0).
 */
export const SELF_UUID_FUNCTIONS: readonly SelfUuidFunction[] = ['pico_instance_uuid', 'instance_uuid'];

/** The statement that calls one of {@link SELF_UUID_FUNCTIONS}. @example selfUuidSql('instance_uuid') // 'SELECT instance_uuid()' */
export function selfUuidSql(fn: SelfUuidFunction): string {
  return `SELECT ${fn}()`;
}

/** PostgreSQL's undefined_column and undefined_table. */
const PG_MISSING_OBJECT = new Set(['42703', '42P01']);
/** PostgreSQL's undefined_function. */
const PG_MISSING_FUNCTION = '42883';

/**
 * Picodata's texts for a missing column or table: sbroad's `NotFound(Column|Table|Space, name)` renders as
 * `column with name "x" not found` / `table with name "x" not found` / `space X not found`; older releases
 * say `There is no table with name x` or `failed to find table with name: x`.
 */
const PICO_MISSING_OBJECT = [
  /\b(?:column|table|space|relation)\b[^\n]{0,200}?\b(?:not found|does not exist)/i,
  /\bthere is no table with name\b/i,
  /\bfailed to find table with name\b/i,
];

/** Picodata's text for an unknown function: `SQL function instance_uuid not found`. */
const PICO_MISSING_FUNCTION = [/\bfunction\b[^\n]{0,200}?\b(?:not found|does not exist)/i, /\bunknown function\b/i];

/**
 * `true` when the server says a column or table of the statement does not exist: the sign that the
 * system tables have another shape. Any other error (access denied, a lost connection) is not.
 *
 * @example isMissingSchemaObjectError(new ServerError('XX000', 'sbroad: column with name "name" not found')) // true
 */
export function isMissingSchemaObjectError(error: unknown): boolean {
  if (!(error instanceof ServerError)) return false;
  if (PG_MISSING_OBJECT.has(error.code)) return true;
  return error.code === 'XX000' && PICO_MISSING_OBJECT.some((re) => re.test(error.message));
}

/**
 * `true` when the server says the function called does not exist.
 *
 * @example isUnknownFunctionError(new ServerError('XX000', 'SQL function pico_instance_uuid not found')) // true
 */
export function isUnknownFunctionError(error: unknown): boolean {
  if (!(error instanceof ServerError)) return false;
  if (error.code === PG_MISSING_FUNCTION) return true;
  return error.code === 'XX000' && PICO_MISSING_FUNCTION.some((re) => re.test(error.message));
}
