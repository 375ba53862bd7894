import diagnostics_channel from 'node:diagnostics_channel';
import type { RetryEvent, TopologyChange } from '../cluster/cluster-events.js';
import type { InstanceRef } from '../cluster/instance-ref.js';
import { TRACING_CHANNELS } from './channel-names.js';

/** Payload of `picots:instance:quarantine`: the arguments of the pool's `instanceQuarantined` event. */
export interface QuarantineMessage {
  /** The instance taken out of rotation. */
  readonly instance: InstanceRef;
  /** The failure that took it out of rotation. */
  readonly error: Error;
}

/** Payload of `picots:instance:recover`: the argument of the pool's `instanceRecovered` event. */
export interface RecoverMessage {
  /** The instance back in rotation after a successful probe. */
  readonly instance: InstanceRef;
}

/**
 * The plain (not tracing) channels, created once. Payloads:
 * - `picots:retry`: a {@link RetryEvent}, the same object as the pool's `retry` event;
 * - `picots:instance:quarantine`: a {@link QuarantineMessage};
 * - `picots:instance:recover`: a {@link RecoverMessage};
 * - `picots:topology:change`: a {@link TopologyChange} (`added`, `removed`), published whenever the
 *   instances in rotation change: at connect and on a topology refresh that changed something.
 */
export const retryChannel = diagnostics_channel.channel(TRACING_CHANNELS.retry);
export const quarantineChannel = diagnostics_channel.channel(TRACING_CHANNELS.quarantine);
export const recoverChannel = diagnostics_channel.channel(TRACING_CHANNELS.recover);
export const topologyChannel = diagnostics_channel.channel(TRACING_CHANNELS.topologyChange);

export type { RetryEvent, TopologyChange };
