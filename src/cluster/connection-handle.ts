/**
 * What a picopyn-style strategy `(connections) => connection` is given: inert, frozen snapshots of the open
 * connections, never the connections themselves, so a strategy can neither run statements behind the pool's
 * back nor hold a socket alive. The pool maps the handle it gets back to its connection privately (see
 * `InstanceConnections.handles()`).
 */
import type { InstanceRef } from './instance-ref.js';

/**
 * One open connection as a strategy sees it, at the moment the strategy is called.
 *
 * @example
 * ```ts
 * const quietest = connectionStrategy((conns) => conns.reduce((a, b) => (b.inFlight < a.inFlight ? b : a)));
 * ```
 */
export interface ConnectionHandle {
  /** The instance this connection talks to. */
  readonly instance: InstanceRef;
  /** A number unique to this connection for the life of the process (stable across calls). */
  readonly id: number;
  /** Statements in flight on this connection. */
  readonly inFlight: number;
  /** Leases held on it: statements pipelined on it through the pool (0 = idle). */
  readonly leases: number;
}

let lastConnectionId = 0;

/** The id of a new connection: a plain counter, only ever compared for equality. */
export function nextConnectionId(): number {
  return ++lastConnectionId;
}

/** A frozen handle (a snapshot: it does not change when the connection does). */
export function connectionHandle(instance: InstanceRef, id: number, inFlight: number, leases: number): ConnectionHandle {
  return Object.freeze({ instance, id, inFlight, leases });
}
