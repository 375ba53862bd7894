import type { EventEmitter } from 'node:events';
import { quarantineChannel, recoverChannel, retryChannel, topologyChannel } from '../tracing/event-channels.js';
import type { ClusterEvents, RetryEvent, TopologyChange } from './cluster-events.js';
import type { InstanceRef } from './instance-ref.js';
import type { PoolLog } from './pool-log.js';

/**
 * Tells the world what happened to the cluster, in the three ways picots has: the pool's typed events, the
 * `node:diagnostics_channel` channels (only when someone subscribes), and the logger. One place, so the
 * three always agree.
 *
 * | happening               | event                 | channel                      | log                          |
 * |-------------------------|-----------------------|------------------------------|------------------------------|
 * | instance quarantined    | `instanceQuarantined` | `picots:instance:quarantine` | warn `INSTANCE_QUARANTINED`  |
 * | instance recovered      | `instanceRecovered`   | `picots:instance:recover`    | info `INSTANCE_RECOVERED`    |
 * | instances joined / left | `instanceAdded`/`Removed` | `picots:topology:change` | info `INSTANCE_ADDED`/`_REMOVED` |
 * | a refresh finished      | `topologyRefreshed`   |                              |                              |
 * | a retry elsewhere       | `retry`               | `picots:retry`               | debug `RETRY`                |
 */
export class ClusterReport {
  readonly #events: EventEmitter<ClusterEvents>;
  readonly #log: PoolLog;

  constructor(events: EventEmitter<ClusterEvents>, log: PoolLog) {
    this.#events = events;
    this.#log = log;
  }

  quarantined(instance: InstanceRef, error: Error): void {
    this.#events.emit('instanceQuarantined', instance, error);
    if (quarantineChannel.hasSubscribers) quarantineChannel.publish({ instance, error });
    this.#log.warn({ code: 'INSTANCE_QUARANTINED', instance, err: error }, `instance ${describeInstance(instance)} is out of rotation: ${error.message}; it is probed in the background`);
  }

  recovered(instance: InstanceRef): void {
    this.#events.emit('instanceRecovered', instance);
    if (recoverChannel.hasSubscribers) recoverChannel.publish({ instance });
    this.#log.info({ code: 'INSTANCE_RECOVERED', instance }, `instance ${describeInstance(instance)} answered a probe and is back in rotation`);
  }

  /** The instances in rotation changed (at connect, or on a refresh). */
  membershipChanged(added: readonly InstanceRef[], removed: readonly InstanceRef[]): void {
    if (added.length === 0 && removed.length === 0) return;
    for (const instance of added) {
      this.#events.emit('instanceAdded', instance);
      this.#log.info({ code: 'INSTANCE_ADDED', instance }, `instance ${describeInstance(instance)} joined the rotation`);
    }
    for (const instance of removed) {
      this.#events.emit('instanceRemoved', instance);
      this.#log.info({ code: 'INSTANCE_REMOVED', instance }, `instance ${describeInstance(instance)} left the rotation; its connections drain`);
    }
    if (topologyChannel.hasSubscribers) topologyChannel.publish({ added, removed } satisfies TopologyChange);
  }

  refreshed(change: TopologyChange): void {
    this.#events.emit('topologyRefreshed', change);
  }

  retried(event: RetryEvent): void {
    this.#events.emit('retry', event);
    if (retryChannel.hasSubscribers) retryChannel.publish(event);
    if (this.#log.debugEnabled) {
      this.#log.debug(
        { code: 'RETRY', instance: event.instance, err: event.error, attempt: event.attempt },
        `attempt ${event.attempt} failed on instance ${describeInstance(event.instance)}; running it again on another instance: ${event.reason}`,
      );
    }
  }
}

/** `i2 (127.0.0.2:4327)`, or the address alone when it is all that is known (a seed without discovery). */
export function describeInstance(instance: InstanceRef): string {
  return instance.name === undefined || instance.name === instance.address ? instance.address : `${instance.name} (${instance.address})`;
}
