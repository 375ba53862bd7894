/**
 * The HealthMonitor takes an instance out of rotation after a failure of its own (a lost socket, a refused
 * or silent connect), probes it in the background with a jittered, growing backoff, and puts it back when a
 * probe answers. A caller's bad statement, abort or deadline never reaches it: the retry policy decides what
 * counts against an instance.
 */
import type { Quarantine } from '../failover/quarantine.js';
import type { Clock } from './clock.js';

/** What the monitor reads and writes on an instance. */
export interface MonitoredMember {
  readonly health: Quarantine;
  /** The last failure, for error messages that list every instance. */
  lastError: Error | undefined;
}

export interface HealthMonitorOptions<M extends MonitoredMember> {
  readonly clock: Clock;
  /** Still worth watching: in rotation, and the pool is not closing. */
  isWatched(member: M): boolean;
  /** One probe on a fresh session; resolves when the instance answered, whatever it answered. */
  probe(member: M): Promise<void>;
  /** Whether a probe's failure is the instance's own (else the instance answered: it is back). */
  isInstanceFault(error: unknown): boolean;
  quarantined(member: M, error: Error): void;
  recovered(member: M): void;
}

export class HealthMonitor<M extends MonitoredMember> {
  readonly #o: HealthMonitorOptions<M>;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #checking = new Set<M>();
  #stopped = false;

  constructor(options: HealthMonitorOptions<M>) {
    this.#o = options;
  }

  /**
   * Records a failure of the instance's own. Statements in flight when it failed report one by one; only
   * the first quarantines it, so the backoff grows with failed probes, not with the size of the burst.
   */
  failed(member: M, error: Error): void {
    member.lastError = error;
    if (this.#stopped || !this.#o.isWatched(member) || member.health.isQuarantined()) return;
    const delay = member.health.recordFailure(this.#o.clock.now());
    this.#o.quarantined(member, error);
    this.#schedule(member, delay);
  }

  /**
   * Something suggests the instance may be unwell without proving it (a statement's deadline passed there,
   * so its session was dropped): probe it now, once at a time. A caller's deadline alone never quarantines
   * an instance; a failed probe does.
   */
  suspect(member: M): void {
    const o = this.#o;
    if (this.#stopped || this.#checking.has(member) || !o.isWatched(member) || member.health.isQuarantined()) return;
    this.#checking.add(member);
    o.probe(member).then(
      () => this.#checking.delete(member),
      (error: unknown) => {
        this.#checking.delete(member);
        if (o.isInstanceFault(error)) this.failed(member, error as Error);
      },
    );
  }

  /** Stops every pending probe (the pool is closing). */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #schedule(member: M, delay: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#probe(member);
    }, Math.max(1, delay));
    // A quarantined instance must not keep a process alive that has nothing else to do.
    timer.unref();
    this.#timers.add(timer);
  }

  async #probe(member: M): Promise<void> {
    const o = this.#o;
    if (this.#stopped || !o.isWatched(member) || !member.health.isQuarantined()) return;
    const now = o.clock.now();
    if (!member.health.tryStartProbe(now)) {
      // Timers may fire a little before the backoff ends; a probe must never be dropped, or the instance
      // would stay out of rotation for good.
      this.#schedule(member, Math.max(10, member.health.until - now + 5));
      return;
    }
    try {
      await o.probe(member);
    } catch (error) {
      if (o.isInstanceFault(error)) {
        member.lastError = error as Error;
        if (!this.#stopped) this.#schedule(member, member.health.recordFailure(o.clock.now()));
        return;
      }
      // It answered (e.g. the probe's function does not exist on this server): it is up.
    }
    member.health.recordSuccess();
    if (!this.#stopped) o.recovered(member);
  }
}
