import type { InstanceRef } from './instance-ref.js';

/** Something picots noticed and did not throw: discovery fell back, an instance was skipped, ... */
export interface PicotsWarning {
  /** Stable, for filtering: e.g. `'DISCOVERY_FAILED'`, `'INSTANCE_SKIPPED'`, `'INSTANCE_UNREACHABLE'`. */
  readonly code: string;
  /** One sentence for people. Never contains a password. */
  readonly message: string;
  /** The instance it is about, when there is one. */
  readonly instance?: InstanceRef;
}

/** One failed attempt that picots is about to run again elsewhere. */
export interface RetryEvent {
  /** The instance the attempt failed on. */
  readonly instance: InstanceRef;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** The failure of that attempt (usually a {@link ConnectionError} or a {@link ServerError}). */
  readonly error: unknown;
  /** Why it is retried, in one sentence. */
  readonly reason: string;
}

/** What changed in one topology refresh. */
export interface TopologyChange {
  /** Instances that joined the rotation in this refresh. */
  readonly added: readonly InstanceRef[];
  /** Instances that left the rotation in this refresh (their connections drain). */
  readonly removed: readonly InstanceRef[];
}

/**
 * The events of the cluster {@link Pool} (and {@link Client}), with their arguments. No listener is ever
 * required: there is no `error` event.
 *
 * @example
 * ```ts
 * client.on('instanceQuarantined', (instance, error) => log.warn(`${instance.name} out: ${error.message}`));
 * ```
 */
export interface ClusterEvents {
  /** An instance joined the rotation (discovery found it, or a seed at startup). */
  instanceAdded: [instance: InstanceRef];
  /** An instance left the rotation (Offline, Expelled, gone or moved); its connections drain. */
  instanceRemoved: [instance: InstanceRef];
  /** An instance is out of rotation after a connection failure; it is probed in the background. */
  instanceQuarantined: [instance: InstanceRef, error: Error];
  /** A probe succeeded: the instance is back in rotation. */
  instanceRecovered: [instance: InstanceRef];
  /** A topology refresh finished (also when nothing changed). */
  topologyRefreshed: [change: TopologyChange];
  /** A failed attempt is being run again on another instance. */
  retry: [event: RetryEvent];
  /** Something was noticed and not thrown. */
  warning: [warning: PicotsWarning];
}
