/**
 * The generic resource pool: leases on pooled resources (exclusive, or shared for pipelining) with FIFO
 * waiters and direct hand-off, min/max sizing, idle timeout, max lifetime and uses, hooks, a bounded drain
 * on close, stats and events. It knows nothing about SQL or Picodata: src/cluster builds the per-instance
 * connection pools on top of it. This file is the entry of the `picots/resource-pool` subpath, so it
 * exports the public API of the generic pool only.
 *
 * @example
 * ```ts
 * import { ResourcePool } from 'picots/resource-pool';
 * const pool = new ResourcePool({ create: () => connect(), destroy: (c) => c.close(), pipelining: 16 });
 * await pool.withResource((c) => c.query('SELECT 1'), { shared: true });
 * ```
 *
 * @module picots/resource-pool
 */
export { ResourcePool, type PoolEvents } from './resource-pool.js';
export type { Lease, ReleaseOptions } from './lease.js';
export type { PoolWarning } from './pool-core.js';
export type { AcquireOptions, CloseOptions, ResourcePoolOptions } from './resource-pool-options.js';
export type { DestroyReason, PoolStats } from './pool-stats.js';
export type { PoolResourceInfo } from './entry.js';
// The errors the generic pool throws, so that a user of this entry alone can test for them with instanceof.
export { AbortError, ConfigError, PicotsError, PoolClosedError, PoolSaturatedError, PoolTimeoutError } from '../errors.js';
