import { ConfigError } from '../../errors.js';
import { InstanceListener } from './instance-listener.js';
import { KeyedRecorder, type KeyedStatementRecord } from './keyed-recorder.js';
import type { ShardingSource } from './sharding-snapshot.js';
import type { Session } from './session.js';
import type { SessionRecord } from './session-record.js';
import { ShardingCatalog, type CatalogTarget } from './sharding-catalog.js';

/** A session's place in the log: live while it is open, then a snapshot, so a closed session's sockets can be freed. */
interface LogEntry {
  read: () => SessionRecord;
}

/** One instance to put behind the gateway. */
export interface GatewayTarget {
  /** The instance's name, e.g. `i2`; the controls take it. */
  readonly name: string;
  /** `host:port` of the instance's PostgreSQL address (the stand-in's `StandInInstance.address`). */
  readonly backendAddress: string;
  /** Where to listen; the backend's host by default (each instance keeps its own loopback address). */
  readonly listenHost?: string;
  /** 0 (a free port) by default. */
  readonly listenPort?: number;
  /** Hold handshakes from the start (see {@link Gateway.hold}). */
  readonly hold?: boolean;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Record every message clients send (true, the default) or only their startups. */
  readonly record?: boolean;
  /**
   * Where to read the cluster's sharding facts (tables' keys, buckets, masters); with it, the gateway
   * records every keyed statement (see {@link Gateway.keyedStatements}). {@link startCluster} gives it;
   * it reads the stand-in's own tables, so it is wiring between the two, not an option for other uses.
   *
   * @internal
   */
  readonly sharding?: ShardingSource;
  /**
   * The server's superuser path, to read sharding keys for Picodata's query-metadata notices
   * (`pico_query_metadata=true`). Without it those notices carry no key (`dk_meta` `[]`, tier null).
   * {@link startCluster} gives it (the stand-in's unix socket and superuser).
   *
   * @internal
   */
  readonly catalog?: CatalogTarget;
}

/** One listener of the gateway as it is now. */
export interface GatewayListenerInfo {
  /** The instance name, e.g. `i1`. */
  readonly name: string;
  /** `host:port` clients connect to. */
  readonly address: string;
  /** `host:port` of the PostgreSQL address it forwards to. */
  readonly backendAddress: string;
  /** False after {@link Gateway.kill} until {@link Gateway.revive}. */
  readonly listening: boolean;
  /** Handshakes are held: TCP is accepted, startup is not answered. */
  readonly held: boolean;
  /** Traffic is swallowed in both directions. */
  readonly blackholed: boolean;
  /** Delay added to each server message, in ms; 0 for none. */
  readonly delayMs: number;
  /** Client connections open through this listener now. */
  readonly openSessions: number;
}

/**
 * A fault-injecting pgproto gateway: one TCP listener per instance, each forwarding to that instance's
 * PostgreSQL address while behaving like Picodata where a client can tell: TLS refused with `N`, no
 * BackendKeyData, CancelRequest and GSSENCRequest closed, malformed `options` dropped, Picodata's
 * ParameterStatus, one statement per Query, every integer column int8, BEGIN/COMMIT/ROLLBACK/END and SET
 * answered as no-ops, every pipelined Execute its own autocommit with skip-to-Sync after an error,
 * ReadyForQuery always `I`, errors with Picodata's fields and codes, COPY refused (see Session and
 * Conversation). Integer results are faithful in text format only. It is part of the stand-in, not Picodata. Use it through {@link startCluster} unless you need
 * it in front of something else.
 *
 * Every control takes an instance name and throws a `ConfigError` for an unknown one.
 */
export class Gateway {
  private readonly listeners = new Map<string, InstanceListener>();
  private readonly log: LogEntry[] = [];
  private readonly live = new Map<Session, LogEntry>();
  private lastId = 0;
  private stopped = false;
  readonly #keyed: KeyedRecorder | undefined;
  readonly #onStop: Array<() => void> = [];
  private readonly catalog: ShardingCatalog | undefined;

  /** Use {@link startGateway}. */
  constructor(private readonly options: GatewayOptions = {}) {
    this.#keyed = options.sharding ? new KeyedRecorder(options.sharding) : undefined;
    this.catalog = options.catalog ? new ShardingCatalog(options.catalog) : undefined;
  }

  /** Every listener, in the order added. */
  get listenerInfo(): readonly GatewayListenerInfo[] {
    return [...this.listeners.values()].map((l) => ({
      name: l.name, address: l.address, backendAddress: l.backendAddress, listening: l.listening,
      held: l.faults.held, blackholed: l.faults.blackholed, delayMs: l.faults.delayMs, openSessions: l.openSessions,
    }));
  }

  /** `host:port` of the instance's listener. */
  address(name: string): string {
    return this.listener(name).address;
  }

  /** Puts an instance behind the gateway and starts listening; returns the address to connect to. */
  async add(target: GatewayTarget): Promise<string> {
    if (this.stopped) throw new ConfigError('gateway', 'the gateway is stopped');
    if (this.listeners.has(target.name)) throw new ConfigError('name', `the gateway already has an instance ${target.name}`);
    const split = target.backendAddress.lastIndexOf(':');
    const backendHost = target.backendAddress.slice(0, split);
    const backendPort = Number(target.backendAddress.slice(split + 1));
    if (split < 1 || !Number.isInteger(backendPort) || backendPort <= 0) {
      throw new ConfigError('backendAddress', `expected host:port, not ${target.backendAddress}`);
    }
    const listener = new InstanceListener({
      name: target.name,
      host: target.listenHost ?? backendHost,
      port: target.listenPort ?? 0,
      backendHost,
      backendPort,
      record: this.options.record ?? true,
      ...(this.catalog ? { catalog: this.catalog } : {}),
      nextId: () => ++this.lastId,
      ...(this.#keyed ? { keyed: this.#keyed } : {}),
      onSession: (session) => {
        const entry = { read: () => session.record };
        this.log.push(entry);
        this.live.set(session, entry);
      },
      onSessionClosed: (session) => {
        const entry = this.live.get(session);
        this.live.delete(session);
        if (!entry) return;
        const final = session.record;
        entry.read = () => final;
      },
    });
    if (target.hold) listener.faults.held = true;
    await listener.listen();
    this.listeners.set(target.name, listener);
    return listener.address;
  }

  /** Stops the instance's listener, resets its sessions and forgets it (its records stay). */
  async remove(name: string): Promise<void> {
    const listener = this.listener(name);
    this.listeners.delete(name);
    await listener.kill();
  }

  /**
   * The instance's process dies: its listener closes, so new connects are refused (ECONNREFUSED), and
   * every open session is reset (RST). Resolves once the port is closed and the sessions are gone.
   */
  kill(name: string): Promise<void> {
    return this.listener(name).kill();
  }

  /** The instance comes back: listens again on the same address and port. Faults set before stay. */
  revive(name: string): Promise<void> {
    return this.listener(name).listen();
  }

  /**
   * The instance becomes unreachable without a word: new connections are accepted and never answered,
   * and open sessions stop moving bytes both ways (what was sent waits, as in a network partition).
   */
  blackhole(name: string): void {
    this.listener(name).faults.blackholed = true;
  }

  /** Lifts {@link blackhole}: waiting bytes flow and held-up handshakes go on. */
  unblackhole(name: string): void {
    this.listener(name).faults.blackholed = false;
  }

  /** Delays every server-to-client write of the instance's sessions by `ms` (0 to stop); order is kept. */
  delay(name: string, ms: number): void {
    this.listener(name).faults.delayMs = ms;
  }

  /**
   * The next DataRow or CommandComplete on any session of the instance goes out only in part, then that
   * session is closed on both sides: the client sees its connection fail mid-result.
   */
  cutNextResult(name: string): void {
    this.listener(name).faults.armCut();
  }

  /**
   * New handshakes wait: the connection is accepted and its first packet read (and recorded), but
   * nothing is answered until {@link release}, as Picodata does while an instance is not yet Online.
   * Open sessions are not affected.
   */
  hold(name: string): void {
    this.listener(name).faults.held = true;
  }

  /** Lets held handshakes, and later ones, go on. */
  release(name: string): void {
    this.listener(name).faults.held = false;
  }

  /** Closes every open session of the instance (FIN), as a restart would; the listener stays. */
  terminateSessions(name: string): void {
    this.listener(name).terminateSessions();
  }

  /** The recorded sessions, all or one instance's, in order of arrival; snapshots. */
  sessions(name?: string): SessionRecord[] {
    const all = this.log.map((entry) => entry.read());
    return name === undefined ? all : all.filter((r) => r.instance === name);
  }

  /** Forgets the sessions recorded so far, open ones included (they keep working, unlisted). */
  clearSessions(): void {
    this.log.length = 0;
  }

  /**
   * The keyed statements executed so far (all instances, or one), in order: for each, the bucket of its
   * sharding key and whether the instance that served it belongs to the owning replicaset and is its
   * master. Empty for a gateway not started by {@link startCluster}. See {@link KeyedStatementRecord} for what is recognised.
   */
  keyedStatements(name?: string): KeyedStatementRecord[] {
    const all = this.#keyed?.records ?? [];
    return all.filter((r) => name === undefined || r.instance === name);
  }

  /** Forgets the keyed statements recorded so far. */
  clearKeyedStatements(): void {
    this.#keyed?.clear();
  }

  /**
   * Drops the cached sharding facts, so the next keyed statement reloads them. Needed after changing
   * tables or topology behind the gateway's back (DDL the gateway sees, and changes through the
   * cluster's stand-in handle, drop them already).
   */
  invalidateSharding(): void {
    this.#keyed?.invalidate();
  }

  /** Runs `action` when the gateway stops (e.g. to close what its `sharding` source holds open). */
  onStop(action: () => void): void {
    this.#onStop.push(action);
  }

  /** Closes every listener and session. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const action of this.#onStop.splice(0)) action();
    const listeners = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(listeners.map((l) => l.kill()));
    this.catalog?.close();
  }

  private listener(name: string): InstanceListener {
    const found = this.listeners.get(name);
    if (!found) {
      throw new ConfigError('instance', `the gateway has no instance ${name} (it has ${[...this.listeners.keys()].join(', ') || 'none'})`);
    }
    return found;
  }
}

/**
 * Starts a gateway in front of the given instances, one listener each.
 *
 * @example
 * ```ts
 * const gateway = await startGateway(standIn.instances.map((i) => ({ name: i.name, backendAddress: i.address })));
 * gateway.delay('i2', 200);
 * await gateway.stop();
 * ```
 */
export async function startGateway(targets: readonly GatewayTarget[], options: GatewayOptions = {}): Promise<Gateway> {
  const gateway = new Gateway(options);
  try {
    for (const target of targets) await gateway.add(target);
    return gateway;
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}
