/**
 * `npm run demo`: picots' main job on a local stand-in cluster.
 *
 * Starts a 3-instance stand-in (one real PostgreSQL playing three Picodata instances, behind a gateway that
 * behaves like Picodata's pgproto where a client can tell), runs a balanced workload through `Client` with a
 * live per-instance view, kills one instance midway and brings it back, prints the distribution, latency
 * and pool statistics, and shuts everything down.
 */
import { Client, type InstanceRef } from '../src/index.js';
import { startCluster } from '../src/testkit/index.js';

const DURATION_MS = Number(process.env.PICOTS_DEMO_MS ?? 12_000);
const CALLERS = 32;

function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  line('picots demo');
  line('NOTE: the cluster below is a stand-in, not Picodata: one local PostgreSQL server plays three instances');
  line('      behind a gateway that imitates Picodata\'s pgproto (discovery tables, no cancel, no BackendKeyData).');
  line();
  const cluster = await startCluster({ instances: 3 });
  const client = new Client({
    dsn: cluster.dsn('scram'),
    poolSize: 6,
    refreshInterval: 500,
    connectTimeout: 1_000,
    queryTimeout: 2_000,
  });
  const events: string[] = [];
  const name = (r: InstanceRef): string => r.name ?? r.address;
  client.on('instanceQuarantined', (r: InstanceRef, e: Error) => events.push(`quarantined ${name(r)}: ${e.message.slice(0, 70)}`));
  client.on('instanceRecovered', (r: InstanceRef) => events.push(`recovered ${name(r)}`));
  client.on('instanceAdded', (r: InstanceRef) => events.push(`added ${name(r)} (${r.address})`));
  client.on('instanceRemoved', (r: InstanceRef) => events.push(`removed ${name(r)}`));

  try {
    await client.connect();
    line(`discovered ${client.instances().length} instances from one seed address:`);
    for (const i of client.instances()) line(`  ${i.name}  ${i.uuid}  ${i.address}  ${i.state.variant}`);
    line();
    await client.execute('CREATE TABLE IF NOT EXISTS demo_items (id int8 PRIMARY KEY, note text)');
    await client.execute('TRUNCATE demo_items');

    const perInstance = new Map<string, { ok: number; latency: number[] }>();
    let ok = 0;
    let failed = 0;
    const failures = new Map<string, number>();
    let nextId = 0;
    const started = performance.now();
    const stopAt = started + DURATION_MS;
    const workers = Array.from({ length: CALLERS }, async () => {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        try {
          // Reads are retried on another instance when one fails; writes are not (their outcome would be unknown).
          const uuid = (await client.fetchval<string>('SELECT pico_instance_uuid()'))!;
          const id = nextId++;
          if (id % 10 === 0) await client.execute('INSERT INTO demo_items VALUES ($1, $2)', [id, 'written by the demo']);
          const entry = perInstance.get(uuid) ?? { ok: 0, latency: [] };
          entry.ok++;
          if (entry.latency.length < 50_000) entry.latency.push(performance.now() - t0);
          perInstance.set(uuid, entry);
          ok++;
        } catch (error) {
          failed++;
          const kind = (error as Error).name;
          failures.set(kind, (failures.get(kind) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });

    const victim = cluster.instances[1]!.name;
    const script = (async () => {
      await sleep(DURATION_MS / 4);
      events.push(`>>> killing ${victim} (connections reset, new connects refused)`);
      await cluster.kill(victim);
      await sleep(DURATION_MS / 4);
      events.push(`>>> bringing ${victim} back`);
      await cluster.revive(victim);
    })();

    const names = new Map(cluster.instances.map((i) => [i.uuid, i.name]));
    const view = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const parts = client.instances().map((i) => `${i.name}:${i.quarantined ? 'Q' : 'ok'} ${(perInstance.get(i.uuid)?.ok ?? 0).toString().padStart(6)}`);
      line(`  t=${elapsed.toFixed(1).padStart(4)}s  ${ok.toString().padStart(7)} ok  ${failed.toString().padStart(4)} failed   ${parts.join('   ')}`);
      for (const e of events.splice(0)) line(`         ${e}`);
    }, 1_000);
    await Promise.all([...workers, script]);
    clearInterval(view);
    for (const e of events.splice(0)) line(`         ${e}`);

    const seconds = (performance.now() - started) / 1000;
    line();
    line(`${ok} rounds in ${seconds.toFixed(1)} s: ${Math.round(ok / seconds)} per second with ${CALLERS} callers; ${failed} failed`);
    if (failed > 0) line(`failures by kind: ${JSON.stringify(Object.fromEntries(failures))} (writes in flight on the killed instance: outcome unknown, not retried)`);
    line('per instance:');
    for (const [uuid, e] of perInstance) {
      e.latency.sort((a, b) => a - b);
      const p = (q: number): string => (e.latency[Math.floor(q * (e.latency.length - 1))] ?? 0).toFixed(2);
      line(`  ${(names.get(uuid) ?? uuid).padEnd(4)} ${e.ok.toString().padStart(8)} ok   latency p50 ${p(0.5)} ms  p99 ${p(0.99)} ms`);
    }
    const written = await client.fetchval<number>('SELECT count(*) FROM demo_items');
    line(`rows written: ${written}`);
    const stats = client.stats().total;
    line(`pool: ${stats.size} connections (max ${stats.maxSize}), ${stats.acquireCount} leases, ${stats.createdCount} opened, ${stats.destroyedCount} closed`);
    line(`      closed by reason: ${JSON.stringify(stats.destroyedByReason)}`);
  } finally {
    await client.close({ drainTimeout: 2_000 });
    await cluster.stop();
  }
  line('stopped the stand-in cluster');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
