/**
 * `npm run bench:scale`: picots against a 100-instance stand-in cluster (one PostgreSQL behind the
 * gateway, one loopback listener per instance; a stand-in, not Picodata), measured.
 *
 * Starts a 10-instance and a 100-instance cluster, then for each round runs one fresh measuring client
 * process per cluster (bench/scale-client.ts, so the client's CPU and memory are not mixed with the
 * gateway's): connect() time, memory growth, client CPU per statement and per idle topology refresh; on
 * the 100-instance cluster also how soon an added instance gets traffic (refreshInterval 500 ms) and a
 * failover of 10 instances killed at once under a steady read and write load. Prints the medians of the
 * rounds as a table and stops everything, also on Ctrl-C, on errors and after a bound on the whole run.
 *
 *   npm run bench:scale                 3 rounds
 *   npm run bench:scale -- --rounds 1
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, type Cluster } from '../src/testkit/index.js';
import type { ChildMessage, ParentReply, ScaleFigures, ScaleRequest, ScaleTask } from './scale-client.js';
import { formatScaleTable } from './scale-report.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CHILD = join(ROOT, 'bench', 'scale-client.ts');
/** The whole run, start to stop; well under 10 minutes. */
const RUN_BOUND_MS = 6 * 60_000;
const CHILD_BOUND_MS = 90_000;
const WRITE_TABLE = 'scale_writes';
/** Spread over the cluster: i5, i15, ..., i95. */
const KILL_NAMES = Array.from({ length: 10 }, (_, k) => `i${10 * k + 5}`);

const clusters: Cluster[] = [];
const children = new Set<ChildProcess>();
let stopping: Promise<void> | undefined;

/** Ends the children (by their pids) and stops the clusters; once. */
function cleanUp(): Promise<void> {
  stopping ??= (async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.allSettled(clusters.map((c) => c.stop()));
  })();
  return stopping;
}

/** Runs one measuring child to its end, doing to `cluster` what it asks. */
function runChild(cluster: Cluster, task: ScaleTask): Promise<ScaleFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(task)], {
      cwd: ROOT,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    let figures: ScaleFigures | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the measuring client passed ${CHILD_BOUND_MS} ms`));
    }, CHILD_BOUND_MS);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'result') {
        figures = message.figures;
        return;
      }
      act(cluster, message).then(
        (value) => child.send({ id: message.id, value } satisfies ParentReply),
        (error: unknown) => child.send({ id: message.id, error: (error as Error).message } satisfies ParentReply),
      );
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (figures !== undefined && code === 0) resolve(figures);
      else reject(new Error(`the measuring client for ${task.instances} instances ended with ${code ?? signal} and no figures`));
    });
  });
}

async function act(cluster: Cluster, request: ScaleRequest): Promise<ParentReply['value']> {
  const names = request.names ?? [];
  switch (request.op) {
    case 'kill': {
      const addresses = names.map((name) => cluster.instance(name).address);
      await Promise.all(names.map((name) => cluster.kill(name)));
      return { addresses };
    }
    case 'revive':
      await Promise.all(names.map((name) => cluster.revive(name)));
      return {};
    case 'add': {
      const t0 = performance.now();
      const added = await cluster.addInstance();
      return { name: added.name, uuid: added.uuid, tookMs: performance.now() - t0 };
    }
    case 'remove':
      for (const name of names) await cluster.removeInstance(name);
      return {};
  }
}

function parseRounds(args: readonly string[]): number {
  const i = args.indexOf('--rounds');
  if (i === -1) return 3;
  const rounds = Number(args[i + 1]);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 5) throw new Error(`--rounds takes a whole number from 1 to 5, not ${args[i + 1]}`);
  return rounds;
}

async function main(): Promise<void> {
  const rounds = parseRounds(process.argv.slice(2));
  const loadBefore = loadavg();
  const started = performance.now();
  process.stderr.write('starting the stand-in clusters (PostgreSQL behind the gateway, not Picodata): 10 and 100 instances\n');
  const small = await startCluster({ instances: 10, spareAddresses: 0, record: false });
  clusters.push(small);
  const large = await startCluster({ instances: 100, spareAddresses: rounds, record: false });
  clusters.push(large);
  process.stderr.write(`started in ${Math.round(performance.now() - started)} ms\n`);
  await large.standIn.sql(`CREATE TABLE ${WRITE_TABLE} (v bigint); GRANT INSERT, SELECT ON ${WRITE_TABLE} TO picots_clients;`);

  const results: { small: ScaleFigures[]; large: ScaleFigures[] } = { small: [], large: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const [key, cluster, churn] of [['small', small, false], ['large', large, true]] as const) {
      const n = cluster.instances.length;
      process.stderr.write(`round ${round}/${rounds}: ${n} instances${churn ? ' (with join and failover)' : ''} ... `);
      const figures = await runChild(cluster, { dsn: cluster.dsn('scram'), instances: n, churn, killNames: KILL_NAMES, writeTable: WRITE_TABLE });
      results[key].push(figures);
      process.stderr.write(`connect ${figures.connectMs.toFixed(0)} ms\n`);
    }
  }
  const loadAfter = loadavg();
  process.stdout.write(formatScaleTable(results.small, results.large, {
    rounds,
    command: `npm run bench:scale${rounds === 3 ? '' : ` -- --rounds ${rounds}`}`,
    load: `${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after (1/5/15 min)`,
    killed: KILL_NAMES,
  }));
}

const bound = setTimeout(() => {
  process.stderr.write(`bench:scale passed its bound of ${RUN_BOUND_MS} ms; stopping\n`);
  void cleanUp().finally(() => process.exit(2));
}, RUN_BOUND_MS);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
}

main().then(
  () => cleanUp().then(() => {
    clearTimeout(bound);
  }),
  (error: unknown) => {
    process.stderr.write(`bench:scale failed: ${(error as Error).stack ?? String(error)}\n`);
    return cleanUp().finally(() => {
      clearTimeout(bound);
      process.exitCode = 1;
    });
  },
);
