import type { ConnectionOptions } from '../config/connection-options.js';
import { ConnectionError } from '../errors.js';
import { classifyFailure } from '../failover/failure-class.js';
import { Connection } from '../protocol/connection.js';
import type { AuthLatch } from './auth-latch.js';
import type { InstanceRef } from './instance-ref.js';

/**
 * Checks an instance on a fresh session of its own: log in, `SELECT pico_instance_uuid()`, close. Not
 * through the pool, so it never queues behind a long statement on a busy connection (a healthy but busy
 * instance answers at once) and never keeps a pooled connection from going idle. Resolves when the
 * instance answered anything, even an error; rejects when it could not be reached or did not answer in time.
 */
export async function probeInstance(options: ConnectionOptions, authLatch: AuthLatch, timeout: number, instance?: InstanceRef): Promise<void> {
  const conn = await authLatch.login(() => Connection.connect({ ...options, connectTimeout: timeout }, instance), `${options.host}:${options.port ?? ''}`);
  try {
    await conn.query('SELECT pico_instance_uuid()', [], { timeout, prepare: false });
  } finally {
    conn.destroy();
  }
}

/** Whether a probe's failure means the instance is not serving (else it answered: it is up). */
export function probeFailed(error: unknown): boolean {
  return error instanceof ConnectionError || classifyFailure(error).instanceFault;
}
