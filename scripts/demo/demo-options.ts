/**
 * The demo's settings, from the environment, so `npm run demo` needs no arguments and a test can run a
 * short story.
 *
 *   PICOTS_DEMO_MS    length of the story (the load), 26000 by default, 6000 to 300000
 *   PICOTS_DEMO_RATE  statements started per second, 300 by default, 10 to 5000
 */
import { ConfigError } from '../../src/index.js';

/** What {@link demoOptions} reads. */
export interface DemoOptions {
  readonly storyMs: number;
  readonly rate: number;
}

/** Reads and checks the settings; a bad value is a ConfigError naming the variable and the allowed range. */
export function demoOptions(env: NodeJS.ProcessEnv): DemoOptions {
  return {
    storyMs: integer(env, 'PICOTS_DEMO_MS', 26_000, 6_000, 300_000),
    rate: integer(env, 'PICOTS_DEMO_RATE', 300, 10, 5_000),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}
