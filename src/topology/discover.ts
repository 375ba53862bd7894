/**
 * One discovery round: which instances the cluster has, where their pgproto listeners are, what state each
 * is in, and which instance answered. Pure logic over an injected `query()`, so that the same code runs on
 * a connection, in tests with canned rows, and in the CLI.
 *
 * Nothing here decides what is usable: every instance is returned with its state (Offline and Expelled
 * ones too, the CLI prints them); callers route only to Online ones ({@link isUsable}). A row that cannot be
 * understood is skipped with a warning, never thrown: one odd row must not stop a client from seeing the
 * rest of the cluster.
 *
 * @example
 * ```ts
 * const found = await discoverInstances(connection);
 * for (const w of found.warnings) log.warn(w);
 * const usable = found.instances.filter(isUsable); // Online, with a reachable advertised address
 * // next round: skip the detection that already succeeded
 * await discoverInstances(connection, { schema: found.schema, selfUuidFunction: found.selfUuidFunction });
 * ```
 */
import { ServerError } from '../errors.js';
import type { QueryOptions } from '../protocol/query-types.js';
import type { QueryMethods } from '../protocol/query-methods.js';
import {
  CURRENT_DISCOVERY_SQL, type DiscoverySchema, isMissingSchemaObjectError, isUnknownFunctionError, LEGACY_INSTANCES_SQL,
  LEGACY_PEER_ADDRESSES_SQL, SELF_UUID_FUNCTIONS, type SelfUuidFunction, selfUuidSql,
} from './discovery-sql.js';
import { formatInstanceState, type InstanceState, isOnline, parseInstanceState } from './instance-state.js';
import { isUnspecifiedHost, type PeerAddress, parsePeerAddress } from './peer-address.js';
import { DiscoveryMemo } from './discovery-memo.js';
import { REUSE_ROWS_FROM, type ReuseRowsOptions } from '../protocol/row-reuse.js';

export type { DiscoverySchema, SelfUuidFunction };
export { DiscoveryMemo };
export type { DiscoveryMemoEntry, DiscoveryRound } from './discovery-memo.js';

/** One instance as discovery saw it. Keyed by `uuid`, never by address. */
export interface DiscoveredInstance {
  /** `_pico_instance.uuid`: the identity picots keys instances by. */
  readonly uuid: string;
  /** Instance name, e.g. `default_1_1`. */
  readonly name: string;
  /** `_pico_instance.raft_id`: joins `_pico_peer_address`. */
  readonly raftId: number;
  /**
   * The advertised pgproto address, parsed; `undefined` when it is missing, unparseable or a wildcard
   * (`0.0.0.0`, `::`), and always on the legacy schema (it publishes no pgproto address). A caller may still
   * reach such an instance through an address it was given (the seed), matched by `selfUuid`.
   */
  readonly address: PeerAddress | undefined;
  /** The advertised pgproto address as the server wrote it; `undefined` on the legacy schema. */
  readonly addressText: string | undefined;
  /** Legacy schema only: the iproto address, the only one Picodata published then (informational). */
  readonly iprotoAddress?: string;
  /** `_pico_instance.replicaset_name`. */
  readonly replicasetName: string;
  /** `_pico_instance.replicaset_uuid`. */
  readonly replicasetUuid: string;
  /** `_pico_instance.tier`. */
  readonly tier: string;
  /** `_pico_instance.failure_domain`, e.g. `{ zone: 'msk-1' }`. */
  readonly failureDomain: Readonly<Record<string, string>>;
  /** `current_state`: what the cluster believes the instance is now. */
  readonly state: InstanceState;
  /** `target_state`: where the cluster is taking it (Online -> Offline means it is about to stop). */
  readonly targetState: InstanceState | undefined;
}

/** Options of {@link discoverInstances}. */
export interface DiscoverOptions {
  /** The shape that worked last time: tried first, the other one only if the server says it is wrong. */
  schema?: DiscoverySchema;
  /** The self-uuid function that worked last time: tried first. */
  selfUuidFunction?: SelfUuidFunction;
  /** Ask which instance answered (`selfUuid`). Default `true`. */
  self?: boolean;
  /** Passed to each query. */
  timeout?: number;
  /** Passed to each query. */
  signal?: AbortSignal;
  /**
   * The rows of the previous round, kept by the caller across rounds: a row equal to last round's is not
   * parsed again (the result is the same either way; this only saves CPU on a large, idle cluster).
   */
  memo?: DiscoveryMemo<DiscoveredInstance>;
}

/** What one discovery round found. */
export interface DiscoveryResult {
  /** Every instance whose row could be read, sorted by raft id. */
  instances: DiscoveredInstance[];
  /** The uuid of the instance that answered, when a self-uuid function exists on the server. */
  selfUuid: string | undefined;
  /** The shape that worked: pass it back as `opts.schema` next time. */
  schema: DiscoverySchema;
  /** The function that named `selfUuid`: pass it back as `opts.selfUuidFunction` next time. */
  selfUuidFunction: SelfUuidFunction | undefined;
  /** Human-readable notes about rows that were skipped or addresses that cannot be used. */
  warnings: string[];
}

/** The part of a connection discovery needs. Give it one connection, not a pool: `selfUuid` is about *that* session. */
export interface DiscoveryQueryable {
  /** `Connection.query`, or anything with its signature. */
  query: QueryMethods['query'];
}

type Row = Record<string, unknown>;

/**
 * `true` when an instance can take traffic at its advertised address: Online, with a usable address. An
 * instance without one may still be reachable through an address the caller was given (match `selfUuid`).
 *
 * @example const targets = found.instances.filter(isUsable)
 */
export function isUsable(instance: DiscoveredInstance): boolean {
  return isOnline(instance.state) && instance.address !== undefined;
}

/**
 * Reads the cluster's instances through `db`. Throws only what the server or connection throws (a lost
 * connection, access denied, both schema shapes missing); everything about individual rows is a warning.
 *
 * @example
 * ```ts
 * const { instances, selfUuid, warnings } = await discoverInstances(conn, { timeout: 3000 });
 * ```
 */
export async function discoverInstances(db: DiscoveryQueryable, opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const queryOptions: QueryOptions = { rowMode: 'object', timeout: opts.timeout, signal: opts.signal };
  const warnings: string[] = [];
  const { schema, rows } = await readInstanceRows(db, queryOptions, opts.schema ?? 'current', warnings, opts.memo);
  const instances = toInstances(rows, schema, warnings, opts.memo);
  let selfUuid: string | undefined;
  let selfUuidFunction: SelfUuidFunction | undefined;
  if (opts.self !== false) {
    ({ selfUuid, selfUuidFunction } = await readSelfUuid(db, queryOptions, opts.selfUuidFunction, warnings));
  }
  return { instances, selfUuid, schema, selfUuidFunction, warnings };
}

/**
 * Tries `preferred`, then the other shape when the server says a column or table is missing.
 *
 * The legacy read (`SELECT *` on both tables) also works on a current server, so it checks what it got: a
 * `connection_type` column means the server has the current shape (upgraded since the shape was
 * remembered), and the exact current statement is run instead. If that statement fails while the tables
 * are current (a later release renamed a column it names), the `SELECT *` rows are used with their pgproto
 * addresses, so discovery keeps working, with a warning.
 */
async function readInstanceRows(
  db: DiscoveryQueryable, qo: QueryOptions, preferred: DiscoverySchema, warnings: string[], memo: DiscoveryMemo<DiscoveredInstance> | undefined,
): Promise<{ schema: DiscoverySchema; rows: Row[] }> {
  const order: DiscoverySchema[] = preferred === 'current' ? ['current', 'legacy'] : ['legacy', 'current'];
  let currentError: unknown;
  let legacyError: unknown;
  let starRows: Row[] | undefined;
  for (const schema of order) {
    try {
      if (schema === 'current') return { schema, rows: await readCurrent(db, qo, memo) };
      const star = await readEverything(db, qo, warnings);
      if (!star.hasConnectionType) return { schema: 'legacy', rows: star.rows };
      starRows = star.rows;
    } catch (e) {
      if (!isMissingSchemaObjectError(e)) throw e;
      if (schema === 'current') currentError = e;
      else legacyError = e;
    }
  }
  if (starRows !== undefined) {
    warnings.push(`the discovery statement failed (${messageOf(currentError)}); read the system tables with SELECT * instead`);
    return { schema: 'current', rows: starRows };
  }
  // Neither shape exists: report the current shape's error, the one a supported release would fix.
  throw currentError ?? legacyError;
}

/**
 * With a memo, the rows that did not change since its last round are that round's row objects (a picots
 * connection decodes only the rows whose bytes changed; anything else just returns fresh rows).
 */
async function readCurrent(db: DiscoveryQueryable, qo: QueryOptions, memo: DiscoveryMemo<DiscoveredInstance> | undefined): Promise<Row[]> {
  if (memo === undefined) return (await db.query<Row>(CURRENT_DISCOVERY_SQL, [], qo)).rows;
  const options: ReuseRowsOptions = { ...qo, [REUSE_ROWS_FROM]: memo.lastResult };
  const result = await db.query<Row>(CURRENT_DISCOVERY_SQL, [], options);
  memo.lastResult = result;
  return result.rows;
}

/**
 * `SELECT *` on both tables, joined here: each instance row gets `__pgproto` (when the peer table has
 * `connection_type`) or `__iproto` (legacy: its only address). A failure to read the peer table costs only
 * the addresses.
 */
async function readEverything(
  db: DiscoveryQueryable, qo: QueryOptions, warnings: string[],
): Promise<{ rows: Row[]; hasConnectionType: boolean }> {
  const instances = (await db.query<Row>(LEGACY_INSTANCES_SQL, [], qo)).rows;
  let peers: Row[] = [];
  try {
    peers = (await db.query<Row>(LEGACY_PEER_ADDRESSES_SQL, [], qo)).rows;
  } catch (e) {
    if (!(e instanceof ServerError)) throw e;
    warnings.push(`could not read _pico_peer_address: ${e.message}`);
  }
  const hasConnectionType = peers.some((r) => 'connection_type' in r);
  const addresses = new Map<number, string>();
  for (const r of peers) {
    const raftId = toRaftId(r.raft_id);
    if (raftId === undefined || typeof r.address !== 'string') continue;
    if (!hasConnectionType || r.connection_type === 'pgproto') addresses.set(raftId, r.address);
  }
  const key = hasConnectionType ? '__pgproto' : '__iproto';
  const rows = instances.map((r) => {
    const raftId = toRaftId(r.raft_id);
    return { ...r, [key]: raftId === undefined ? undefined : addresses.get(raftId) };
  });
  return { rows, hasConnectionType };
}

function toInstances(rows: readonly Row[], schema: DiscoverySchema, warnings: string[], memo?: DiscoveryMemo<DiscoveredInstance>): DiscoveredInstance[] {
  if (schema === 'legacy' && rows.length > 0) {
    warnings.push(
      'legacy system tables (Picodata before 25.1): _pico_peer_address publishes iproto addresses only, ' +
        "so other instances' pgproto addresses are unknown; only the given addresses can be used",
    );
  }
  if (memo !== undefined) {
    const same = memo.sameRound(rows, schema);
    if (same !== undefined) {
      for (const w of same.warnings) warnings.push(w);
      return [...same.instances];
    }
  }
  const firstWarning = warnings.length;
  const byUuid = new Map<string, DiscoveredInstance>();
  memo?.beginRound(schema);
  for (const row of rows) {
    const instance = memo === undefined ? toInstance(row, schema, warnings) : toInstanceMemo(row, schema, warnings, memo);
    if (instance === undefined) continue;
    if (byUuid.has(instance.uuid)) {
      warnings.push(`${label(instance.name, instance.uuid)}: listed twice; the second row is ignored`);
      continue;
    }
    byUuid.set(instance.uuid, instance);
  }
  memo?.endRound();
  const instances = [...byUuid.values()].sort((a, b) => a.raftId - b.raftId);
  memo?.recordRound(rows.slice(), schema, instances.slice(), warnings.slice(firstWarning));
  return instances;
}

/**
 * {@link toInstance}, or what it gave last round for an equal row. Only the first row of a uuid is memoised;
 * a row without a string uuid is always parsed (it is skipped with a warning anyway).
 */
function toInstanceMemo(row: Row, schema: DiscoverySchema, warnings: string[], memo: DiscoveryMemo<DiscoveredInstance>): DiscoveredInstance | undefined {
  const uuid = row.uuid ?? row.instance_uuid;
  if (typeof uuid !== 'string' || uuid === '' || memo.seen(uuid)) return toInstance(row, schema, warnings);
  const entry = memo.reuse(uuid, row);
  if (entry !== undefined) {
    for (const w of entry.warnings) warnings.push(w);
    memo.record(uuid, entry);
    return entry.value;
  }
  const own: string[] = [];
  const value = toInstance(row, schema, own);
  for (const w of own) warnings.push(w);
  memo.record(uuid, { row, value, warnings: own });
  return value;
}

function toInstance(row: Row, schema: DiscoverySchema, warnings: string[]): DiscoveredInstance | undefined {
  // 24.5 and older used instance_id/instance_uuid/replicaset_id/*_grade; later releases name/uuid/... .
  const name = text(row.name ?? row.instance_id);
  const uuid = text(row.uuid ?? row.instance_uuid);
  const raftId = toRaftId(row.raft_id);
  const who = label(name, uuid);
  if (uuid === undefined || uuid === '' || name === undefined || raftId === undefined) {
    warnings.push(`skipped ${who}: the row has no usable name, uuid or raft_id`);
    return undefined;
  }
  const rawState = row.current_state ?? row.current_grade;
  const state = parseInstanceState(rawState);
  if (state === undefined) {
    warnings.push(`skipped ${who}: current state ${show(rawState)} is not a state Picodata writes`);
    return undefined;
  }
  const rawTarget = row.target_state ?? row.target_grade;
  const targetState = parseInstanceState(rawTarget);
  if (targetState === undefined && rawTarget !== undefined) {
    warnings.push(`${who}: target state ${show(rawTarget)} is not a state Picodata writes; ignored`);
  }
  const common = {
    uuid, name, raftId, state, targetState,
    replicasetName: text(row.replicaset_name ?? row.replicaset_id) ?? '',
    replicasetUuid: text(row.replicaset_uuid) ?? '',
    tier: text(row.tier) ?? '',
    failureDomain: toFailureDomain(row.failure_domain, who, warnings),
  };
  if (schema === 'legacy') {
    const iproto = text(row.__iproto);
    return { ...common, address: undefined, addressText: undefined, ...(iproto === undefined ? {} : { iprotoAddress: iproto }) };
  }
  const addressText = text('__pgproto' in row ? row.__pgproto : row.address);
  return { ...common, address: toAddress(addressText, who, state, warnings), addressText };
}

function toAddress(addressText: string | undefined, who: string, state: InstanceState, warnings: string[]): PeerAddress | undefined {
  const where = `${who} (${formatInstanceState(state)})`;
  if (addressText === undefined) {
    warnings.push(`${where}: no pgproto address`);
    return undefined;
  }
  const address = parsePeerAddress(addressText);
  if (address === undefined) {
    warnings.push(`${where}: cannot parse its pgproto address ${show(addressText)} (expected host:port or [ipv6]:port)`);
    return undefined;
  }
  if (isUnspecifiedHost(address.host)) {
    warnings.push(
      `${where}: unreachable advertised address ${addressText} (a wildcard listen address; set ` +
        'instance.pgproto.advertise, or instance.pg.advertise before 26.1, to an address clients can reach)',
    );
    return undefined;
  }
  return address;
}

/** `failure_domain` is a json map of strings, e.g. `{"zone":"msk-1"}`; arrives parsed or as text. */
function toFailureDomain(value: unknown, who: string, warnings: string[]): Record<string, string> {
  let v = value;
  if (v === undefined || v === null) return {};
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      v = undefined;
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    warnings.push(`${who}: failure_domain ${show(value)} is not a json map; treated as empty`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  return out;
}

/** Tries the preferred self-uuid function, then the others. */
async function readSelfUuid(
  db: DiscoveryQueryable, qo: QueryOptions, preferred: SelfUuidFunction | undefined, warnings: string[],
): Promise<{ selfUuid: string | undefined; selfUuidFunction: SelfUuidFunction | undefined }> {
  const order = preferred === undefined ? SELF_UUID_FUNCTIONS : [preferred, ...SELF_UUID_FUNCTIONS.filter((f) => f !== preferred)];
  const failures: string[] = [];
  for (const fn of order) {
    try {
      const result = await db.query<unknown[]>(selfUuidSql(fn), [], { ...qo, rowMode: 'array' });
      const value = text(result.rows[0]?.[0]);
      if (value !== undefined && value !== '') return { selfUuid: value, selfUuidFunction: fn };
      failures.push(`${fn}() returned ${show(result.rows[0]?.[0])}`);
    } catch (e) {
      // Any server error is worth the next function (both are harmless reads): a release may report an
      // unknown function in words this code does not know. A lost connection is not.
      if (!(e instanceof ServerError)) throw e;
      failures.push(isUnknownFunctionError(e) ? `${fn}() does not exist` : `${fn}() failed: ${e.message}`);
    }
  }
  warnings.push(`cannot tell which instance answered: ${failures.join('; ')}`);
  return { selfUuid: undefined, selfUuidFunction: undefined };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** raft ids are int8 on the wire: number, bigint or string depending on the connection's int8 mode. */
function toRaftId(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

function label(name: string | undefined, uuid: string | undefined): string {
  if (name !== undefined && uuid !== undefined) return `instance ${name} (uuid ${uuid})`;
  if (name !== undefined) return `instance ${name}`;
  if (uuid !== undefined) return `instance with uuid ${uuid}`;
  return 'an instance row';
}

/** A raw value for a message, short. */
function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
