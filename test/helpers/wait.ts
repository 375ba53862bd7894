/** The one place tests get their small waiting helpers from. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets pending promise callbacks and immediates run. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Polls `cond` every `every` ms until it holds or `ms` pass; returns whether it held (checked once more at
 * the end, so a condition that became true during the last sleep counts).
 */
export async function eventually(cond: () => boolean | Promise<boolean>, ms: number, every = 10): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await cond()) return true;
    await sleep(every);
  }
  return cond();
}
