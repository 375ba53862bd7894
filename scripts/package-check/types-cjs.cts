// Type-checked by scripts/check-package.ts against the installed declarations (CommonJS resolution).
import { PicotsError, type PoolStats } from 'picots';
import { ResourcePool } from 'picots/resource-pool';
import { StandInError } from 'picots/testkit';

const error: PicotsError = new StandInError('stand-in');
const resources = new ResourcePool<object>({ create: async () => ({}), destroy: () => {} });
const stats: PoolStats = resources.stats();

export = { error, resources, stats };
