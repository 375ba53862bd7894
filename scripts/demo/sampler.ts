/**
 * Turns what the pool says (its events, `instances()`) and what the workload saw into a {@link ViewState},
 * and keeps the event log in plain words. Only the pool's public API is used: this is what any
 * application could show about its own picots client.
 */
import type { InstanceRef, InstanceStatus, Pool, RetryEvent } from '../../src/index.js';
import type { WorkloadCounts } from './workload.js';
import type { DemoEvent, InstanceRow, InstanceState, ViewState } from './view-state.js';

/** Rates are taken over this much history. */
const RATE_WINDOW_MS = 1000;
/** An instance found after the start is shown as joining for this long. */
const JOINING_MS = 1000;
/** Events kept for the frame's log. */
const LOG_LINES = 6;

interface Point {
  readonly atMs: number;
  readonly count: number;
}

/** Options of {@link Sampler}. */
export interface SamplerOptions {
  readonly pool: Pool;
  readonly counts: () => WorkloadCounts;
  readonly storyMs: number;
  /** Milliseconds since the story started. */
  readonly now: () => number;
}

export class Sampler {
  readonly #o: SamplerOptions;
  readonly #events: DemoEvent[] = [];
  #unread = 0;
  #chapter = 'starting';
  #started = false;
  readonly #firstSeen = new Map<string, number>();
  readonly #zones = new Map<string, string>();
  readonly #history = new Map<string, Point[]>();
  readonly #totalHistory: Point[] = [];
  readonly #retriesBy = new Map<string, number>();
  #failedOver = 0;
  #reported = { writesUnknown: 0, readErrors: 0, writeErrors: 0 };
  readonly #detach: () => void;

  constructor(options: SamplerOptions) {
    this.#o = options;
    const pool = options.pool;
    const added = (ref: InstanceRef): void => {
      const zone = this.#zoneOf(ref);
      const where = zone ? ` in zone ${zone}` : '';
      this.log(this.#started ? `picots found ${name(ref)}${where} and starts sending it statements` : `picots found ${name(ref)}${where}`);
    };
    const removed = (ref: InstanceRef): void => this.log(`${name(ref)} is no longer Online: picots sends it nothing`);
    const quarantined = (ref: InstanceRef, error: Error): void =>
      this.log(`${name(ref)} failed (${plainCause(error)}): picots stops using it and checks on it`);
    const recovered = (ref: InstanceRef): void => this.log(`${name(ref)} answers again: picots sends it statements again`);
    const retried = (event: RetryEvent): void => {
      this.#failedOver++;
      this.#retriesBy.set(name(event.instance), (this.#retriesBy.get(name(event.instance)) ?? 0) + 1);
    };
    pool.on('instanceAdded', added);
    pool.on('instanceRemoved', removed);
    pool.on('instanceQuarantined', quarantined);
    pool.on('instanceRecovered', recovered);
    pool.on('retry', retried);
    this.#detach = () => {
      pool.off('instanceAdded', added);
      pool.off('instanceRemoved', removed);
      pool.off('instanceQuarantined', quarantined);
      pool.off('instanceRecovered', recovered);
      pool.off('retry', retried);
    };
  }

  /** From now on a newly found instance is shown as joining (the ones found at connect are not). */
  started(): void {
    for (const i of this.#o.pool.instances()) if (!this.#firstSeen.has(i.uuid)) this.#firstSeen.set(i.uuid, Number.NEGATIVE_INFINITY);
    this.#started = true;
  }

  /** Adds a line to the event log. */
  log(text: string): void {
    this.#events.push({ atMs: this.#o.now(), text });
    this.#unread++;
  }

  /** Says what is happening now; also logged. */
  chapter(text: string): void {
    this.#chapter = text;
    this.log(text);
  }

  /** Events logged since the last call, for the plain output. */
  takeNewEvents(): DemoEvent[] {
    const fresh = this.#unread === 0 ? [] : this.#events.slice(-this.#unread);
    this.#unread = 0;
    return fresh;
  }

  /**
   * Reads the pool and the workload's counts now. Call it about once a second or more often: failovers and
   * lost writes since the previous call are summed into one event line each.
   */
  sample(): ViewState {
    const at = this.#o.now();
    const counts = this.#o.counts();
    this.#summariseFailures(counts);
    const live = this.#o.pool.instances();
    const rows: InstanceRow[] = live.map((i) => this.#row(i, at));
    const present = new Set(live.map((i) => i.name));
    for (const [gone, zone] of this.#zones) {
      if (!present.has(gone)) rows.push({ name: gone, zone, state: 'left', perSecond: 0, inFlight: 0, p50Ms: undefined, p99Ms: undefined });
    }
    return {
      elapsedMs: at,
      storyMs: this.#o.storyMs,
      chapter: this.#chapter,
      rows,
      totals: {
        statements: counts.statements,
        perSecond: rate(this.#totalHistory, at, counts.statements),
        failedOver: this.#failedOver,
        readErrors: counts.readErrors,
        writesUnknown: counts.writesUnknown,
        writeErrors: counts.writeErrors,
      },
      events: this.#events.slice(-LOG_LINES),
    };
  }

  /** Stops listening to the pool. */
  detach(): void {
    this.#detach();
  }

  #row(i: InstanceStatus, at: number): InstanceRow {
    const zone = i.failureDomain.zone ?? '';
    this.#zones.set(i.name, zone);
    if (!this.#firstSeen.has(i.uuid)) this.#firstSeen.set(i.uuid, this.#started ? at : Number.NEGATIVE_INFINITY);
    let history = this.#history.get(i.name);
    // A smaller count is a new member object for the same name (it left and came back): start over.
    if (history === undefined || (history.at(-1)?.count ?? 0) > i.served) this.#history.set(i.name, (history = []));
    const state: InstanceState = i.quarantined ? 'quarantined'
      : at - this.#firstSeen.get(i.uuid)! < JOINING_MS || (i.total === 0 && i.served === 0) ? 'joining'
        : 'serving';
    return {
      name: i.name,
      zone,
      state,
      perSecond: rate(history, at, i.served),
      inFlight: i.inFlight,
      p50Ms: i.latencyP50Ms,
      p99Ms: i.latencyP99Ms,
    };
  }

  #summariseFailures(counts: WorkloadCounts): void {
    for (const [from, n] of this.#retriesBy) {
      this.log(`${n} ${n === 1 ? 'statement' : 'statements'} that failed on ${from} ran again on another instance`);
    }
    this.#retriesBy.clear();
    const unknown = counts.writesUnknown - this.#reported.writesUnknown;
    if (unknown > 0) this.log(`${unknown} ${unknown === 1 ? 'write was' : 'writes were'} cut off after sending: outcome unknown, not resent`);
    const readErrors = counts.readErrors - this.#reported.readErrors;
    if (readErrors > 0) this.log(`${readErrors} ${readErrors === 1 ? 'read' : 'reads'} failed: ${counts.lastError ?? 'no detail'}`);
    const writeErrors = counts.writeErrors - this.#reported.writeErrors;
    if (writeErrors > 0) this.log(`${writeErrors} ${writeErrors === 1 ? 'write' : 'writes'} failed: ${counts.lastError ?? 'no detail'}`);
    this.#reported = { writesUnknown: counts.writesUnknown, readErrors: counts.readErrors, writeErrors: counts.writeErrors };
  }

  #zoneOf(ref: InstanceRef): string {
    return this.#o.pool.instances().find((i) => i.uuid === ref.uuid)?.failureDomain.zone ?? '';
  }
}

/** Per second over about the last {@link RATE_WINDOW_MS}; `history` gets `count` appended and old points dropped. */
function rate(history: Point[], at: number, count: number): number {
  history.push({ atMs: at, count });
  while (history.length > 2 && history[1]!.atMs <= at - RATE_WINDOW_MS) history.shift();
  const first = history[0]!;
  const span = at - first.atMs;
  return span <= 0 ? 0 : ((count - first.count) * 1000) / span;
}

function name(ref: InstanceRef): string {
  return ref.name ?? ref.address;
}

/** The reason a connection failed, in two or three words. */
function plainCause(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
    if (code === 'ERR_PICOTS_TIMEOUT') return 'no answer in time';
  }
  return 'connection lost';
}
