/**
 * What happens to the stand-in cluster while the load runs, chapter by chapter: steady load, an instance
 * that stalls and dies, the same instance coming back, a new instance joining. Each chapter starts at a
 * share of the story's length, so a test can run the whole story in a few seconds.
 */
import type { Pool } from '../../src/index.js';
import type { Cluster } from '../../src/testkit/index.js';
import type { Sampler } from './sampler.js';

/** The zone of each instance at the start, and of the one that joins. */
export const ZONES: Readonly<Record<string, string>> = { i1: 'dc-1', i2: 'dc-2', i3: 'dc-3', i4: 'dc-1' };

/** Longest stall before the kill: long enough to catch writes in flight, short enough for the retry budget. */
const STALL_MS = 600;
/** Longest wait for the killed instance to be taken back, past its chapter's planned end. */
const RECOVERY_GRACE_MS = 10_000;
/** Longest wait for the new instance to be found and get its first statement. */
const JOIN_GRACE_MS = 10_000;
/** Shortest last chapter, so the new instance's share shows even when the story ran late. */
const MIN_LAST_CHAPTER_MS = 2_500;
const POLL_MS = 100;

/** What the story acts on. */
export interface StoryContext {
  readonly cluster: Cluster;
  readonly pool: Pool;
  readonly sampler: Sampler;
  readonly storyMs: number;
  /** Milliseconds since the story started. */
  readonly now: () => number;
}

/**
 * Runs the chapters; resolves when the story's time is up. A chapter that waits for picots to notice
 * something (the instance taken back, the new one found) waits for it, within a bound, so on a slow machine
 * the story runs long rather than skip what it is there to show.
 */
export async function runStory(ctx: StoryContext): Promise<void> {
  const { cluster, sampler } = ctx;
  const victim = 'i2';
  const at = (share: number): Promise<void> => sleep(share * ctx.storyMs - ctx.now());

  sampler.chapter('steady load: reads go to every instance, writes to their own zone');
  await at(0.2);

  sampler.chapter(`${victim} stalls: it still runs statements, but its answers stop coming back`);
  cluster.delay(victim, 60_000);
  await sleep(Math.min(STALL_MS, 0.03 * ctx.storyMs));
  sampler.chapter(`${victim}'s process is killed: its connections are reset`);
  await cluster.kill(victim);
  cluster.delay(victim, 0);
  await at(0.35);

  sampler.chapter(`${victim}'s process is back: picots takes it back once it answers`);
  await cluster.revive(victim);
  await at(0.55);
  await until(() => ctx.pool.instances().some((i) => i.name === victim && !i.quarantined), RECOVERY_GRACE_MS);

  sampler.chapter('a new instance starts; picots waits until the cluster says it is Online');
  const joiner = await cluster.addInstance({ state: 'Offline', hold: true });
  await cluster.setFailureDomain(joiner.name, { zone: ZONES[joiner.name] ?? 'dc-1' });
  await at(0.62);
  sampler.chapter(`${joiner.name} is Online: picots finds it on its next topology read`);
  cluster.release(joiner.name);
  await cluster.setState(joiner.name, 'Online');
  await until(() => ctx.pool.instances().some((i) => i.name === joiner.name && i.served > 0), JOIN_GRACE_MS);
  await at(0.7);
  sampler.chapter(`steady load over ${ctx.pool.instances().length} instances`);
  // However late the machine got here, let the new instance be seen taking its share.
  const end = Math.max(ctx.storyMs, ctx.now() + MIN_LAST_CHAPTER_MS);

  // ---- Chapter reserved: shard-aware routing (not built yet) ----
  // When the `routeKey` query option and `stats().keyed = { owner, fallback }` exist, this chapter runs a
  // keyed workload twice, routing off and then on, and shows how many statements went straight to the
  // instance that owns the key. Give it its own share of the story (e.g. 0.7 to 0.95).

  await sleep(end - ctx.now());
  sampler.chapter('the story is over: the load stops');
}

async function until(condition: () => boolean, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (!condition() && performance.now() < deadline) await sleep(POLL_MS);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
