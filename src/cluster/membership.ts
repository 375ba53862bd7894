import { NoInstanceAvailableError } from '../errors.js';
import type { DsnHost } from '../config/parse-dsn.js';
import type { CloseOptions } from '../resource-pool/resource-pool-options.js';
import { isOnline, sameInstanceState } from '../topology/instance-state.js';
import type { DiscoveredInstance } from '../topology/discover.js';
import { formatAddress, Member, type InstanceConnectionsFactory, type MemberDescription } from './member.js';
import { Quarantine, type QuarantineOptions } from '../failover/quarantine.js';
import { splitPoolSizes } from './size-split.js';

/** What changed in one update of the membership. */
export interface MembershipChange {
  added: Member[];
  removed: Member[];
  /** Instances left out, with the reason (no reachable address, not Online). */
  skipped: Array<{ name: string; reason: string }>;
}

export interface MembershipOptions {
  maxSize: number;
  minSize: number;
  maxSizePerInstance: number;
  drainTimeout: number;
  quarantine?: QuarantineOptions;
}

/**
 * The instances the client works with, keyed by instance uuid (never by address: a seed DSN's host may be a
 * load balancer or another spelling of an advertised address). Members that leave are drained, not cut:
 * their connections finish what they run and close.
 */
/** How long an instance may take to open its first connection before others are preferred, in ms. */
export const WARMING_GRACE_MS = 250;

export class Membership {
  private readonly members = new Map<string, Member>();
  /** Members out of rotation whose connections are still draining, with the promise of their end. */
  private readonly leaving = new Map<Member, Promise<void>>();
  private active: Member[] = [];
  private healthyList: Member[] | undefined;
  private readonly warming = new Map<Member, NodeJS.Timeout>();
  private readonly slow = new Set<Member>();
  /** Rotates which instances get the remainder of `maxSize`, so many processes do not pile onto one. */
  private readonly offset = Math.floor(Math.random() * 1_000_000);
  /** Counts changes to `members`: a discovery result applied before any is known to change nothing again. */
  private generation = 0;
  /** The last discovery result applied, to answer the same one again (every idle refresh) without a pass over it. */
  private lastDiscovery: {
    readonly instances: readonly DiscoveredInstance[];
    readonly self: { uuid: string | undefined; seed: DsnHost } | undefined;
    readonly generation: number;
    readonly skipped: MembershipChange['skipped'];
  } | undefined;

  constructor(
    private readonly options: MembershipOptions,
    private readonly makePool: InstanceConnectionsFactory,
  ) {}

  /** Members in rotation (not draining), in a stable order. */
  list(): readonly Member[] {
    return this.active;
  }

  /**
   * Members in rotation and not quarantined, without the ones that have been opening their first
   * connection for longer than {@link WARMING_GRACE_MS} while others can serve (cached until
   * {@link healthChanged} or a change of members).
   */
  healthy(): readonly Member[] {
    if (this.healthyList === undefined) {
      const up = this.active.filter((m) => !m.health.isQuarantined());
      const ready = this.slow.size === 0 ? up : up.filter((m) => !this.slow.has(m));
      this.healthyList = ready.length > 0 ? ready : up;
    }
    return this.healthyList;
  }

  /** A member was quarantined or recovered: the healthy list is recomputed on next use. */
  healthChanged(): void {
    this.healthyList = undefined;
  }

  /**
   * Marks a member as opening its first connection. One that has not managed within the grace period gets
   * work only when no other member can take it, until `ready` is called for it: an instance that accepts
   * TCP and never answers stays out of the way instead of holding statements for a whole connect timeout.
   */
  warmingUp(member: Member): void {
    if (this.warming.has(member)) return;
    const timer = setTimeout(() => {
      if (!this.warming.has(member)) return;
      this.slow.add(member);
      this.healthyList = undefined;
    }, WARMING_GRACE_MS);
    timer.unref();
    this.warming.set(member, timer);
  }

  /** The member opened a connection, or failed to (the health monitor takes it from there). */
  ready(member: Member): void {
    const timer = this.warming.get(member);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.warming.delete(member);
    if (this.slow.delete(member)) this.healthyList = undefined;
  }

  /** Whether `member` is in rotation (not draining, not replaced). */
  has(member: Member): boolean {
    return this.members.get(member.key) === member;
  }

  /** Without discovery: one member per seed address (identity = the address, the only thing known). */
  fromSeeds(seeds: readonly DsnHost[]): MembershipChange {
    return this.update(
      seeds.map((s) => {
        const address = formatAddress(s.host, s.port);
        return {
          key: `seed:${address}`,
          uuid: undefined,
          name: address,
          host: s.host,
          port: s.port,
          tier: '',
          replicasetName: '',
          failureDomain: {},
          state: { variant: 'Online', incarnation: 0 },
        };
      }),
      [],
    );
  }

  /**
   * From a discovery result: every Online instance with a usable address. An instance that advertises no
   * usable address (a legacy cluster, or `0.0.0.0`) is still reachable when it is the one that answered
   * through `seed`.
   */
  fromDiscovery(instances: readonly DiscoveredInstance[], self?: { uuid: string | undefined; seed: DsnHost }): MembershipChange {
    const last = this.lastDiscovery;
    if (last !== undefined && last.generation === this.generation && last.self === self && sameItems(last.instances, instances)) {
      return { added: [], removed: [], skipped: last.skipped };
    }
    const change = this.applyDiscovery(instances, self);
    this.lastDiscovery = { instances: instances.slice(), self, generation: this.generation, skipped: change.skipped };
    return change;
  }

  private applyDiscovery(instances: readonly DiscoveredInstance[], self: { uuid: string | undefined; seed: DsnHost } | undefined): MembershipChange {
    const wanted: MemberDescription[] = [];
    const unchanged = new Set<string>();
    const skipped: MembershipChange['skipped'] = [];
    for (const i of instances) {
      if (!isOnline(i.state)) {
        skipped.push({ name: i.name, reason: `state ${i.state.variant}` });
        continue;
      }
      const address = i.address ?? (self?.uuid === i.uuid ? self.seed : undefined);
      if (address === undefined) {
        skipped.push({ name: i.name, reason: `no usable pgproto address (advertised: ${i.addressText ?? 'none'})` });
        continue;
      }
      const existing = this.members.get(i.uuid);
      if (existing !== undefined && existing.host === address.host && existing.port === address.port && sameInstanceState(existing.state, i.state)) {
        // Unchanged (every member, on an idle refresh): nothing to copy, nothing for update() to do.
        unchanged.add(i.uuid);
        continue;
      }
      wanted.push({
        key: i.uuid,
        uuid: i.uuid,
        name: i.name,
        host: address.host,
        port: address.port,
        tier: i.tier,
        replicasetName: i.replicasetName,
        failureDomain: Object.freeze({ ...i.failureDomain }),
        state: Object.freeze({ ...i.state }),
      });
    }
    return this.update(wanted, skipped, unchanged);
  }

  /** The error for "no instance to route to", with each instance's last failure. */
  noInstanceError(): NoInstanceAvailableError {
    const failures = new Map<string, Error>();
    for (const m of this.active) if (m.lastError !== undefined) failures.set(m.address, m.lastError);
    const message = this.active.length === 0
      ? 'no instance is available: the cluster reports no Online instance with a reachable address'
      : `no instance is available: all ${this.active.length} are quarantined after connection failures (${describeFailures(failures)}); they are probed in the background and come back when they answer`;
    return new NoInstanceAvailableError(message, failures, failures.values().next().value);
  }

  /**
   * Closes every member, and the ones already leaving: all within this call's `drainTimeout` (not the one
   * they were retired with), after which what is left is cut.
   */
  async close(options?: CloseOptions): Promise<void> {
    const all = this.takeAll();
    const leaving = [...this.leaving];
    const bound = options?.drainTimeout ?? this.options.drainTimeout;
    const timer = setTimeout(() => {
      for (const [m] of leaving) void m.terminate();
    }, bound);
    timer.unref();
    try {
      await Promise.all([...all.map((m) => m.close(options)), ...leaving.map(([, done]) => done)]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cuts every connection now, the leaving members' too. */
  async terminate(): Promise<void> {
    const all = [...this.takeAll(), ...this.leaving.keys()];
    await Promise.all([...all.map((m) => m.terminate()), ...this.leaving.values()]);
  }

  private takeAll(): Member[] {
    this.generation++;
    const all = [...this.members.values()];
    this.members.clear();
    this.active = [];
    this.healthyList = [];
    return all;
  }

  /** `unchanged`: keys of members known to match what is wanted, left as they are. */
  private update(wanted: readonly MemberDescription[], skipped: MembershipChange['skipped'], unchanged: ReadonlySet<string> = new Set()): MembershipChange {
    // `unchanged` holds only keys of current members, so the same size means every member is in it: an idle
    // refresh, with nothing to add, remove or rebuild (skip the copies and the key set below).
    if (wanted.length === 0 && unchanged.size === this.members.size) return { added: [], removed: [], skipped };
    this.generation++;
    const added: Member[] = [];
    const removed: Member[] = [];
    const wantedKeys = new Set(wanted.map((w) => w.key));
    for (const member of [...this.members.values()]) {
      if (!wantedKeys.has(member.key) && !unchanged.has(member.key)) {
        this.members.delete(member.key);
        removed.push(member);
      }
    }
    for (const w of wanted) {
      const existing = this.members.get(w.key);
      if (existing !== undefined) {
        if (existing.host === w.host && existing.port === w.port) {
          if (!sameInstanceState(existing.state, w.state)) {
            // Same instance, new incarnation: it restarted, so its old sessions are gone or going.
            existing.state = w.state;
            for (const p of existing.allConnections()) p.expire();
          }
          continue;
        }
        // Moved to another address: a new member; the old one drains.
        this.members.delete(w.key);
        removed.push(existing);
      }
      const member = new Member(w, this.makePool, { maxSize: 1, minSize: 0 }, new Quarantine(this.options.quarantine));
      this.members.set(w.key, member);
      added.push(member);
    }
    for (const m of removed) this.retire(m);
    if (added.length > 0 || removed.length > 0) this.rebuild();
    return { added, removed, skipped };
  }

  private retire(member: Member): void {
    member.draining = true;
    this.ready(member);
    const done = member.drain({ drainTimeout: this.options.drainTimeout }).finally(() => this.leaving.delete(member));
    this.leaving.set(member, done);
  }

  /** Recomputes the rotation and each member's share of the cluster-wide size. */
  private rebuild(): void {
    const list = [...this.members.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.active = list;
    this.healthyList = undefined;
    if (list.length === 0) return;
    const o = this.options;
    const shares = splitPoolSizes({
      maxSize: o.maxSize,
      minSize: o.minSize,
      instances: list.length,
      offset: this.offset,
      maxPerInstance: o.maxSizePerInstance === Infinity ? undefined : o.maxSizePerInstance,
    });
    // A cluster larger than maxSize still gets one connection per instance, so every instance can serve.
    list.forEach((m, i) => m.resize({ maxSize: Math.max(1, shares[i]!.max), minSize: shares[i]!.min }));
  }
}

/** `address: message; ...` for every recorded failure. */
export function describeFailures(failures: ReadonlyMap<string, Error>): string {
  if (failures.size === 0) return 'no failure recorded';
  return [...failures].map(([address, e]) => `${address}: ${e.message}`).join('; ');
}

/** The same objects in the same order. */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
