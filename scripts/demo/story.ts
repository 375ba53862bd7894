/**
 * What happens to the stand-in cluster while the load runs, chapter by chapter: steady load, an instance
 * that stalls and dies, the same instance coming back, a new instance joining, and keyed statements sent
 * without and then with their sharding key. Each chapter starts at a share of the story's length, so a
 * test can run the whole story in a few seconds.
 */
import type { Pool } from '../../src/index.js';
import type { Cluster } from '../../src/testkit/index.js';
import type { KeyedRounds, RoundResult } from './keyed-rounds.js';
import { routingRoundText } from './render.js';
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
/** Shortest steady load over every instance before the routing chapter starts. */
const MIN_STEADY_MS = 1_500;
/** Keys of the routing chapter's workload: a write and a read each, per round. */
export const KEYS = 100;
const POLL_MS = 100;

/** What the story acts on. */
export interface StoryContext {
  readonly cluster: Cluster;
  readonly pool: Pool;
  readonly sampler: Sampler;
  readonly storyMs: number;
  /** Milliseconds since the story started. */
  readonly now: () => number;
  /** The routing chapter's keyed workload. */
  readonly keyed: KeyedRounds;
}

/** The routing chapter's two rounds: without `routeKey`, then with it. */
export interface RoutingOutcome {
  readonly off: RoundResult;
  readonly on: RoundResult;
}

/**
 * Runs the chapters; resolves when the story's time is up. A chapter that waits for picots to notice
 * something (the instance taken back, the new one found) waits for it, within a bound, so on a slow machine
 * the story runs long rather than skip what it is there to show.
 */
export async function runStory(ctx: StoryContext): Promise<{ routing: RoutingOutcome }> {
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
  await sleep(Math.max(0.78 * ctx.storyMs, ctx.now() + MIN_STEADY_MS) - ctx.now());

  const routing = await routingChapter(ctx);
  await sleep(end - ctx.now());
  sampler.chapter('the story is over: the load stops');
  return { routing };
}

/**
 * The same keyed writes and reads twice: without a key, as an application sends them today, where picots
 * balances them like any statement and only about one in N replicasets lands on the owner; then with
 * `routeKey`, where picots sends each to the owner.
 */
async function routingChapter(ctx: StoryContext): Promise<RoutingOutcome> {
  const { sampler, keyed } = ctx;
  sampler.chapter(`keyed routing: ${KEYS} writes and ${KEYS} reads by key, without routeKey`);
  // The map is read in the background from the first keyed use on; a keyless round does not need it.
  const mapLoaded = keyed.loadBucketMap();
  const off = await keyed.run(false);
  sampler.log(routingRoundText('without routeKey', off));
  if (!(await mapLoaded)) sampler.log('picots has not read the bucket map yet: keyed statements fall back');
  sampler.chapter("the same writes and reads with routeKey: each goes to the key's owner");
  const on = await keyed.run(true);
  sampler.log(routingRoundText('with routeKey', on));
  sampler.log(`picots' own count, stats().keyed: ${on.picots.owner} to the owner, ${on.picots.fallback} fell back`);
  const failed = off.failed + on.failed;
  if (failed > 0) sampler.log(`${failed} keyed statements failed: ${on.lastError ?? off.lastError ?? 'no detail'}`);
  return { off, on };
}

async function until(condition: () => boolean, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (!condition() && performance.now() < deadline) await sleep(POLL_MS);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
