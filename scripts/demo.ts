/**
 * `npm run demo`: picots' main job on a local stand-in cluster, as a live view.
 *
 * Starts a 3-instance stand-in (one real PostgreSQL playing three Picodata instances, behind a gateway that
 * behaves like Picodata where a client can tell), runs a steady load of reads and writes through `Client`,
 * and tells a short story (scripts/demo/story.ts): an instance stalls and dies, reads move to the others
 * with no error, writes whose outcome is unknown are counted apart, the instance comes back, a new one
 * joins, and the same keyed writes and reads run without and with `routeKey`, showing how many landed on
 * the instance that owns the key (each instance is its own replicaset, as with Picodata's default
 * replication factor 1, so a key has one owner among four). On a terminal the view redraws in place; otherwise it writes plain lines. Ends by itself
 * (PICOTS_DEMO_MS, 26 s by default), and exits 1 if any read failed.
 */
import { Client } from '../src/index.js';
import { startCluster } from '../src/testkit/index.js';
import { demoOptions } from './demo/demo-options.js';
import { LiveOutput, outputMode } from './demo/live-output.js';
import { KeyedRounds } from './demo/keyed-rounds.js';
import { renderSummary, routingSummary, wrap } from './demo/render.js';
import { Sampler } from './demo/sampler.js';
import { KEYS, runStory, ZONES, type RoutingOutcome } from './demo/story.js';
import { Workload } from './demo/workload.js';

const write = (text: string): void => void process.stdout.write(text);
const line = (text = ''): void => write(`${text}\n`);

async function main(): Promise<number> {
  const options = demoOptions(process.env);
  const mode = outputMode(process.stdout, process.env);
  const intro = 'picots demo. The cluster is a stand-in, not Picodata: one local PostgreSQL server plays three '
    + 'instances behind a gateway that behaves like Picodata where a client can tell.';
  for (const l of wrap(intro)) line(l);
  line();

  const cluster = await startCluster({ instances: 3, record: false });
  let output: LiveOutput | undefined;
  const interrupted = (): void => {
    output?.restoreTerminal();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    for (const instance of cluster.instances) await cluster.setFailureDomain(instance.name, { zone: ZONES[instance.name] ?? 'dc-1' });
    const client = new Client({ dsn: cluster.dsn('scram'), poolSize: 6, refreshInterval: 500, connectTimeout: 3_000, queryTimeout: 10_000 });
    const started = performance.now();
    const now = (): number => performance.now() - started;
    const workload = new Workload(client, { rate: options.rate, writeEvery: 5, maxInFlight: 64, writerZones: ['dc-1', 'dc-2', 'dc-3'] });
    const sampler = new Sampler({ pool: client, counts: () => workload.counts(), storyMs: options.storyMs, now });
    const keyed = new KeyedRounds(client, cluster, { keys: KEYS, concurrency: 8 });
    try {
      await client.connect();
      sampler.started();
      await workload.prepare();
      await keyed.prepare();
      output = new LiveOutput(sampler, mode, write);
      output.start();
      workload.start();
      let routing: RoutingOutcome | undefined;
      try {
        ({ routing } = await runStory({ cluster, pool: client, sampler, storyMs: options.storyMs, now, keyed }));
      } finally {
        await workload.stop();
        output.stop();
      }
      const counts = workload.counts();
      const totals = sampler.sample().totals;
      line();
      for (const l of renderSummary(totals, now(), !mode.live)) line(l);
      if (counts.writesUnknown > 0) {
        const applied = await workload.unknownWritesApplied();
        const checked = `Checked afterwards: the server had run ${applied} of those ${counts.writesUnknown} writes; resending them would have run those twice.`;
        for (const l of wrap(checked)) line(l);
      }
      for (const l of routingSummary(routing.off, routing.on)) line(l);
      const keyedFailed = routing.off.failed + routing.on.failed;
      if (counts.readErrors > 0 || counts.writeErrors > 0 || keyedFailed > 0) {
        const why = counts.lastError ?? routing.on.lastError ?? routing.off.lastError ?? 'a statement failed';
        for (const l of wrap(`Not as it should be: ${why}`)) line(l);
        return 1;
      }
      return 0;
    } finally {
      sampler.detach();
      await client.close({ drainTimeout: 2_000 });
    }
  } finally {
    await cluster.stop();
    process.off('SIGINT', interrupted);
    line('stopped the stand-in cluster');
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
