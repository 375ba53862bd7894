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
export class Membership {
  private readonly members = new Map<string, Member>();
  private readonly leaving = new Set<Promise<void>>();
  private active: Member[] = [];
  /** Rotates which instances get the remainder of `maxSize`, so many processes do not pile onto one. */
  private readonly offset = Math.floor(Math.random() * 1_000_000);

  constructor(
    private readonly options: MembershipOptions,
    private readonly makePool: InstanceConnectionsFactory,
  ) {}

  /** Members in rotation (not draining), in a stable order. */
  list(): readonly Member[] {
    return this.active;
  }

  get(key: string): Member | undefined {
    return this.members.get(key);
  }

  get size(): number {
    return this.members.size;
  }

  /** Every member, including ones that are draining but not closed yet. */
  *everything(): IterableIterator<Member> {
    yield* this.members.values();
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
    const wanted: MemberDescription[] = [];
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
      wanted.push({
        key: i.uuid,
        uuid: i.uuid,
        name: i.name,
        host: address.host,
        port: address.port,
        tier: i.tier,
        replicasetName: i.replicasetName,
        failureDomain: i.failureDomain,
        state: i.state,
      });
    }
    return this.update(wanted, skipped);
  }

  /** Takes a member out of rotation at once (e.g. its address proved unreachable at connect). */
  remove(member: Member): void {
    if (this.members.get(member.key) !== member) return;
    this.members.delete(member.key);
    this.retire(member);
    this.rebuild();
  }

  /** Closes every member (and waits for the ones already leaving). */
  async close(options?: CloseOptions): Promise<void> {
    const all = [...this.members.values()];
    this.members.clear();
    this.active = [];
    await Promise.all([...all.map((m) => m.close(options)), ...this.leaving]);
  }

  async terminate(): Promise<void> {
    const all = [...this.members.values()];
    this.members.clear();
    this.active = [];
    await Promise.all([...all.map((m) => m.terminate()), ...this.leaving]);
  }

  private update(wanted: readonly MemberDescription[], skipped: MembershipChange['skipped']): MembershipChange {
    const added: Member[] = [];
    const removed: Member[] = [];
    const wantedKeys = new Set(wanted.map((w) => w.key));
    for (const member of [...this.members.values()]) {
      if (!wantedKeys.has(member.key)) {
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
    const done = member.drain({ drainTimeout: this.options.drainTimeout }).finally(() => this.leaving.delete(done));
    this.leaving.add(done);
  }

  /** Recomputes the rotation and each member's share of the cluster-wide size. */
  private rebuild(): void {
    const list = [...this.members.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.active = list;
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
