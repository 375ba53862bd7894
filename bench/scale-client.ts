/**
 * One measuring client of `npm run bench:scale` (bench/scale.ts), in a process of its own so that the CPU
 * and memory it reports are the client's alone: the gateway that plays the cluster runs in the parent.
 * The task comes as JSON in argv[2]; whatever must happen to the cluster (kill, revive, add, remove
 * instances) is asked of the parent over IPC; the figures go back as one `result` message.
 *
 * Run with `--expose-gc`, so memory is read after a full collection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type ClientOptions } from '../src/index.js';
import { median } from './stats.js';

/** What the parent asks one child to measure. */
export interface ScaleTask {
  readonly dsn: string;
  /** Instances in the cluster behind `dsn`. */
  readonly instances: number;
  /** Measure how soon an added instance gets traffic, then a failover of {@link ScaleTask.killNames}. */
  readonly churn: boolean;
  readonly killNames: readonly string[];
  /** A table the clients may INSERT into (one bigint column `v`). */
  readonly writeTable: string;
}

/** The figures of one child; times in ms, CPU in ms or µs as named, memory in bytes. */
export interface ScaleFigures {
  readonly instances: number;
  readonly connectMs: number;
  /** From `new Client()` until every instance is a member and all `poolSize` connections are open. */
  readonly openMs: number;
  readonly heapGrowth: number;
  readonly rssGrowth: number;
  readonly statementCpuUs: number;
  readonly statementWallUs: number;
  /** Median of 10 idle refreshes after 2 warm-ups, user + system (the split is too coarse for a millisecond). */
  readonly refreshCpuMs: number;
  readonly refreshCpuMaxMs: number;
  /** The same after a few hundred refreshes (compiled code). */
  readonly warmRefreshCpuMs: number;
  /** From the order to add an instance; `addMs`: how long the add itself took in the parent. */
  readonly join?: { readonly discoveredMs: number; readonly trafficMs: number; readonly addMs: number };
  readonly failover?: FailoverFigures;
}

export interface FailoverFigures {
  /** From the kill order to the last statement attempt that went to a killed instance. */
  readonly cleanMs: number;
  /** From the kill order until all killed instances were quarantined. */
  readonly quarantinedMs: number;
  readonly attemptsOnKilled: number;
  readonly reads: number;
  readonly failedReads: number;
  readonly writes: number;
  readonly failedWrites: number;
  /** Error codes of the failed statements, with counts. */
  readonly errors: Readonly<Record<string, number>>;
  /** The first message seen for each code, so a failure can be told apart without a rerun. */
  readonly messages: Readonly<Record<string, string>>;
  readonly windowMs: number;
}

/** Child to parent. */
export type ChildMessage = ScaleRequest | { readonly type: 'result'; readonly figures: ScaleFigures };

/** Something to do to the cluster: kill, revive or remove the named instances, or add one. */
export interface ScaleRequest {
  readonly type: 'request';
  readonly id: number;
  readonly op: 'kill' | 'revive' | 'add' | 'remove';
  readonly names?: readonly string[];
}

/** Parent to child: the answer to a request. */
export interface ParentReply {
  readonly id: number;
  readonly error?: string;
  /** For `add`: the new instance; for `kill`: the killed instances' addresses. */
  readonly value?: { readonly name?: string; readonly uuid?: string; readonly addresses?: readonly string[]; readonly tookMs?: number };
}

const POOL_SIZE = 100;
const STATEMENTS = 4000;
const CONCURRENCY = 8;
const REFRESHES = 10;
const WARM_REFRESHES = 300;
const REFRESH_INTERVAL_MS = 500;
const JOIN_BOUND_MS = 15_000;
const FAILOVER_WINDOW_MS = 5000;
const READERS = 8;
const WRITERS = 2;

const pending = new Map<number, (reply: ParentReply) => void>();
let lastId = 0;
process.on('message', (reply: ParentReply) => pending.get(reply.id)?.(reply));

function ask(message: Pick<ScaleRequest, 'op' | 'names'>): Promise<NonNullable<ParentReply['value']>> {
  const id = ++lastId;
  return new Promise((resolve, reject) => {
    pending.set(id, (reply) => {
      pending.delete(id);
      if (reply.error !== undefined) reject(new Error(`the parent could not ${message.op}: ${reply.error}`));
      else resolve(reply.value ?? {});
    });
    process.send!({ ...message, id, type: 'request' });
  });
}

function memory(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function waitFor(what: string, cond: () => boolean, boundMs: number): Promise<void> {
  const deadline = performance.now() + boundMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${boundMs} ms`);
    await sleep(10);
  }
}

async function openClient(task: ScaleTask, options: Partial<ClientOptions>): Promise<{ client: Client; connectMs: number; openMs: number }> {
  const client = new Client({ dsn: task.dsn, poolSize: POOL_SIZE, ...options });
  const t0 = performance.now();
  await client.connect();
  const connectMs = performance.now() - t0;
  await waitFor(`all ${task.instances} instances and ${POOL_SIZE} connections open`, () => {
    return client.instances().length === task.instances && client.stats().total.size >= POOL_SIZE;
  }, 20_000);
  return { client, connectMs, openMs: performance.now() - t0 };
}

/** `CONCURRENCY` loops of `SELECT 1` on shared connections: client CPU and wall time per statement. */
async function perStatement(client: Client, count: number): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let k = 0; k < count / CONCURRENCY; k++) await client.fetch('SELECT 1');
  }));
  return { cpuUs: (cpuMs(cpu0) * 1000) / count, wallUs: ((performance.now() - t0) * 1000) / count };
}

/** Client CPU (user + system) of refresh rounds that find nothing new, in ms. */
async function idleRefreshes(client: Client, count: number): Promise<number[]> {
  const cpu: number[] = [];
  for (let k = 0; k < count; k++) {
    await sleep(20);
    const cpu0 = process.cpuUsage();
    await client.refresh();
    cpu.push(cpuMs(cpu0));
  }
  return cpu;
}

/**
 * Refreshes as a client that has run a while does them: once its code is compiled. The first ten after
 * two warm-ups (what a young client pays), then ten more after {@link WARM_REFRESHES} (an old one).
 */
async function refreshFigures(client: Client): Promise<Pick<ScaleFigures, 'refreshCpuMs' | 'refreshCpuMaxMs' | 'warmRefreshCpuMs'>> {
  await idleRefreshes(client, 2);
  const young = await idleRefreshes(client, REFRESHES);
  for (let k = 0; k < WARM_REFRESHES; k++) await client.refresh();
  const old = await idleRefreshes(client, REFRESHES);
  return { refreshCpuMs: median(young), refreshCpuMaxMs: Math.max(...young), warmRefreshCpuMs: median(old) };
}

/** Readers until stopped, each noting the uuid that answered; `onUuid` sees every one. */
function readLoops(client: Client, count: number, onUuid: (uuid: string) => void, stop: () => boolean): Promise<void> {
  return Promise.all(Array.from({ length: count }, async () => {
    while (!stop()) {
      const row = await client.fetchrow<{ u: string }>('SELECT pico_instance_uuid() AS u');
      if (row) onUuid(row.u);
    }
  })).then(() => undefined);
}

async function measureJoin(client: Client): Promise<NonNullable<ScaleFigures['join']>> {
  let stop = false;
  let wanted: string | undefined;
  let trafficAt: number | undefined;
  // Listened to before the add: a refresh may see the instance before the parent's answer arrives.
  const discovered = new Map<string | undefined, number>();
  const onAdded = (ref: { uuid: string | undefined }): void => {
    if (!discovered.has(ref.uuid)) discovered.set(ref.uuid, performance.now());
  };
  client.on('instanceAdded', onAdded);
  const loops = readLoops(client, 4, (u) => {
    if (u === wanted) trafficAt ??= performance.now();
  }, () => stop);
  await sleep(200);
  // Timed from the order: the rows become visible somewhere inside the parent's add (a psql run), and a
  // refresh can see them before the answer gets here.
  const addedAt = performance.now();
  const added = await ask({ op: 'add' });
  wanted = added.uuid;
  try {
    await waitFor('traffic on the added instance', () => trafficAt !== undefined, JOIN_BOUND_MS);
  } finally {
    stop = true;
    client.off('instanceAdded', onAdded);
    await loops;
    await ask({ op: 'remove', names: [added.name!] });
  }
  return { discoveredMs: (discovered.get(wanted) ?? Number.NaN) - addedAt, trafficMs: trafficAt! - addedAt, addMs: added.tookMs ?? Number.NaN };
}

async function measureFailover(client: Client, task: ScaleTask): Promise<FailoverFigures> {
  const killedNames = new Set(task.killNames);
  let killedAddresses = new Set<string>();
  let killAt = Number.NaN;
  let lastOnKilled = Number.NaN;
  let attemptsOnKilled = 0;
  const quarantined = new Map<string, number>();
  let reads = 0;
  let failedReads = 0;
  let writes = 0;
  let failedWrites = 0;
  const errors: Record<string, number> = {};
  const messages: Record<string, string> = {};
  const onKilled = (): void => {
    attemptsOnKilled++;
    lastOnKilled = performance.now();
  };
  client.on('retry', (event) => {
    if (event.instance.name !== undefined && killedNames.has(event.instance.name)) onKilled();
  });
  client.on('instanceQuarantined', (ref) => {
    if (ref.name !== undefined && killedNames.has(ref.name) && !quarantined.has(ref.name)) quarantined.set(ref.name, performance.now());
  });
  const failed = (error: unknown): void => {
    const e = error as { code?: string; instance?: string; message?: string };
    const code = e.code ?? 'unknown';
    errors[code] = (errors[code] ?? 0) + 1;
    messages[code] ??= String(e.message).slice(0, 300);
    if (e.instance !== undefined && killedAddresses.has(e.instance)) onKilled();
  };
  let stop = false;
  const counting = (): boolean => !Number.isNaN(killAt);
  const loops = Promise.all([
    ...Array.from({ length: READERS }, async () => {
      while (!stop) {
        try {
          await client.fetchrow('SELECT pico_instance_uuid() AS u');
          if (counting()) reads++;
        } catch (error) {
          if (counting()) {
            reads++;
            failedReads++;
            failed(error);
          }
        }
      }
    }),
    ...Array.from({ length: WRITERS }, async (_, w) => {
      for (let v = 0; !stop; v++) {
        try {
          await client.execute(`INSERT INTO ${task.writeTable} (v) VALUES ($1)`, [w * 1_000_000 + v]);
          if (counting()) writes++;
        } catch (error) {
          if (counting()) {
            writes++;
            failedWrites++;
            failed(error);
          }
        }
      }
    }),
  ]);
  try {
    await sleep(1000);
    killAt = performance.now();
    killedAddresses = new Set((await ask({ op: 'kill', names: task.killNames })).addresses);
    await sleep(FAILOVER_WINDOW_MS);
  } finally {
    stop = true;
    await loops;
    await ask({ op: 'revive', names: task.killNames });
  }
  const allQuarantined = quarantined.size === killedNames.size ? Math.max(...quarantined.values()) - killAt : Number.NaN;
  return {
    cleanMs: attemptsOnKilled === 0 ? 0 : lastOnKilled - killAt,
    quarantinedMs: allQuarantined,
    attemptsOnKilled,
    reads,
    failedReads,
    writes,
    failedWrites,
    errors,
    messages,
    windowMs: FAILOVER_WINDOW_MS,
  };
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '') as ScaleTask;
  const before = memory();
  // No background refresh here: its CPU would land in the per-statement figures. (Infinity passes the
  // options' check but not the refresh schedule's, so the longest timer instead.)
  const { client, connectMs, openMs } = await openClient(task, { refreshInterval: 2 ** 31 - 1 });
  let figures: ScaleFigures;
  try {
    await perStatement(client, 1000); // warm-up: code compiled, statements cached
    const after = memory();
    const statement = await perStatement(client, STATEMENTS);
    const refreshes = await refreshFigures(client);
    figures = {
      instances: task.instances,
      connectMs,
      openMs,
      heapGrowth: after.heap - before.heap,
      rssGrowth: after.rss - before.rss,
      statementCpuUs: statement.cpuUs,
      statementWallUs: statement.wallUs,
      ...refreshes,
    };
  } finally {
    await client.close({ drainTimeout: 2000 });
  }
  if (task.churn) {
    const { client: churn } = await openClient(task, { refreshInterval: REFRESH_INTERVAL_MS });
    try {
      figures = { ...figures, join: await measureJoin(churn) };
      await waitFor('the added instance gone again', () => churn.instances().length === task.instances, 10_000);
      figures = { ...figures, failover: await measureFailover(churn, task) };
    } finally {
      await churn.close({ drainTimeout: 2000 });
    }
  }
  process.send!({ type: 'result', figures } satisfies ChildMessage);
}

main().then(
  () => process.disconnect(),
  (error: unknown) => {
    process.stderr.write(`scale-client: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
