/**
 * The generic resource pool: FIFO waiters with direct hand-off, exclusive and shared (pipelined) leases,
 * min/max, idle timeout, max lifetime and uses, hooks, drain on close, stats and events. No SQL in here.
 *
 * @example
 * ```ts
 * import { ResourcePool } from 'picots/resource-pool';
 * const pool = new ResourcePool({ create: () => connect(), destroy: (c) => c.close(), pipelining: 16 });
 * await pool.withResource((c) => c.query('SELECT 1'), { shared: true });
 * ```
 */
export { ResourcePool, type PoolEvents } from './resource-pool.js';
export type { AcquireOptions, CloseOptions, PoolOptions } from './resource-pool-options.js';
export type { DestroyReason, PoolStats } from './pool-stats.js';
export type { PoolResourceInfo } from './entry.js';
