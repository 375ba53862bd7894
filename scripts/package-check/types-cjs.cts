// Type-checked by scripts/check-package.ts against the installed declarations (CommonJS resolution).
import { PicotsError, ResourcePool as MainResourcePool } from 'picots';
import { ResourcePool } from 'picots/resource-pool';
import { StandInError } from 'picots/testkit';

const error: PicotsError = new StandInError('stand-in');
const resources: MainResourcePool<object> = new ResourcePool<object>({ create: async () => ({}), destroy: () => {} });

export = { error, resources };
