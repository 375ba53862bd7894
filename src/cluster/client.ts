import { ConfigError } from '../errors.js';
import { Pool } from './pool.js';
import { CLUSTER_OPTION_KEYS, type PoolOptions } from '../config/cluster-options.js';
import { foreignOptionHint } from '../config/option-aliases.js';
import { rejectUnknownKeys } from '../config/validate.js';

/** What a Client accepts: the pool's options, with `poolSize` for `maxSize` and no `enableDiscovery`. */
const CLIENT_OPTION_KEYS: readonly string[] = [
  ...CLUSTER_OPTION_KEYS.filter((key) => key !== 'enableDiscovery' && key !== 'maxSize'),
  'poolSize',
];

/** Options of {@link Client}: the pool's, with discovery always on and picopyn's `poolSize` name for `maxSize`. */
export interface ClientOptions extends Omit<PoolOptions, 'enableDiscovery' | 'maxSize'> {
  /** Connections in total over all instances. Default 10. */
  poolSize?: number;
}

/**
 * The cluster client: a {@link Pool} with discovery always on, so it finds every Online instance from one
 * seed address and follows the cluster as instances join, fail and leave.
 *
 * @example
 * ```ts
 * const client = new Client({ dsn: 'postgresql://app:Secret123@10.0.0.1:4327', poolSize: 12 });
 * await client.connect();
 * await client.execute('INSERT INTO items VALUES ($1, $2)', [1, 'pen'], { idempotent: false });
 * const item = await client.fetchrow('SELECT * FROM items WHERE id = $1', [1]);
 * await client.close();
 * ```
 */
export class Client extends Pool {
  constructor(options: ClientOptions) {
    const { poolSize, ...rest } = options as ClientOptions & { enableDiscovery?: unknown; maxSize?: unknown };
    if ('enableDiscovery' in rest || 'maxSize' in rest) {
      // Caught by the pool's own check of unknown keys, with a clearer message here.
      throw new ConfigError('enableDiscovery', 'Client always discovers instances and sizes itself with poolSize: use Pool for enableDiscovery/maxSize');
    }
    // Checked here, not only by the pool, so that the suggestions are the Client's names (poolSize, not maxSize).
    rejectUnknownKeys('Client options', options, CLIENT_OPTION_KEYS, foreignOptionHint);
    super({ ...rest, maxSize: poolSize, enableDiscovery: true });
  }
}
