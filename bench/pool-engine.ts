/**
 * Micro-benchmark of the pool's hot paths (not part of the test run):
 *   node --import tsx bench/pool-engine.ts
 * Prints acquire+release pairs per second for: the exclusive fast path, shared leases with pipelining, and
 * the hand-off path (more workers than resources: every acquire waits in the queue).
 */
import { ResourcePool } from '../src/resource-pool/resource-pool.js';

const N = 1_000_000;

function makePool(extra: { maxSize?: number; pipelining?: number } = {}) {
  let n = 0;
  return new ResourcePool<{ id: number }>({ create: async () => ({ id: ++n }), destroy: () => {}, minSize: extra.maxSize ?? 10, ...extra });
}

async function run(name: string, ops: number, body: () => Promise<void>): Promise<void> {
  await body(); // warm-up pass
  const t0 = performance.now();
  await body();
  const ms = performance.now() - t0;
  console.log(`${name.padEnd(58)} ${Math.round((ops / ms) * 1000).toLocaleString('en-US').padStart(12)} ops/s`);
}

async function main(): Promise<void> {
  await run('baseline: await Promise.resolve(x)', N, async () => {
    const x = { id: 0 };
    for (let i = 0; i < N; i++) await Promise.resolve(x);
  });

  const excl = makePool();
  await new Promise((r) => setTimeout(r, 10));
  await run('exclusive acquire+release, 1 caller (fast path)', N, async () => {
    for (let i = 0; i < N; i++) (await excl.acquire()).release();
  });
  await run('exclusive, 10 callers on 10 resources (fast path)', N, async () => {
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < N / 10; i++) (await excl.acquire()).release();
      }),
    );
  });
  await run('exclusive, 100 callers on 10 resources (queue + hand-off)', N / 2, async () => {
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        for (let i = 0; i < N / 200; i++) (await excl.acquire()).release();
      }),
    );
  });
  await excl.close();

  const shared = makePool({ maxSize: 4, pipelining: 32 });
  await new Promise((r) => setTimeout(r, 10));
  await run('shared, 64 callers on 4 resources × 32 (fewest-leases scan)', N, async () => {
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let i = 0; i < N / 64; i++) (await shared.acquire({ shared: true })).release();
      }),
    );
  });
  await run('shared, 256 callers on 4 × 32 (queue + hand-off)', N / 2, async () => {
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        for (let i = 0; i < N / 512; i++) (await shared.acquire({ shared: true })).release();
      }),
    );
  });
  await shared.close();
}

void main();
