import { after } from 'node:test';
import { attachStandIn, startStandIn, type StandIn, type StandInOptions } from '../../src/testkit/index.js';
import { STAND_IN_ENV } from './stand-in-env.js';

/** Options of {@link useStandIn}. */
export interface UseStandInOptions extends StandInOptions {
  /**
   * Start a private stand-in even under `npm test`. Use it in a test that changes the cluster
   * (`setState`, `addInstance`, `removeInstance`, `terminateBackends`): the shared one is used by other
   * test files at the same time, and they expect three Online instances.
   */
  readonly own?: boolean;
}

/**
 * The stand-in cluster for a test file. Under `npm test` it is the run's shared stand-in (3 instances,
 * TLS on), taken from the environment; otherwise, or with `own: true`, a new one (3 instances, TLS on
 * unless `options` say otherwise) that an `after` hook stops. So a file also runs alone:
 * `node --import tsx --test test/foo.test.ts`.
 *
 * Call it at the top level of a test file (or in a `describe`), where `after` hooks may be added.
 *
 * @example
 * ```ts
 * const standIn = await useStandIn();
 * test('connects', async () => { const client = new pg.Client(standIn.dsn()); ... });
 * ```
 */
export async function useStandIn(options: UseStandInOptions = {}): Promise<StandIn> {
  const { own = false, ...standInOptions } = options;
  const shared = process.env[STAND_IN_ENV];
  if (shared && !own) return attachStandIn(shared);
  const standIn = await startStandIn({ instances: 3, tls: true, ...standInOptions });
  after(() => standIn.stop());
  return standIn;
}
