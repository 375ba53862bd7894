/** Subscribers that record what picots publishes, for the tracing tests. */
import diagnostics_channel from 'node:diagnostics_channel';
import { inspect } from 'node:util';

export type TraceEvent = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

export interface TraceRecord<C> {
  readonly event: TraceEvent;
  /** The context object itself (the same one on every event of a call). */
  readonly ctx: C;
  /** A shallow copy taken when the event was published. */
  readonly seen: C;
}

/** Records every event of a tracing channel until `stop()`. */
export function recordTracing<C extends object>(name: string): { records: TraceRecord<C>[]; stop(): void } {
  const channel = diagnostics_channel.tracingChannel<unknown, C>(name);
  const records: TraceRecord<C>[] = [];
  const on = (event: TraceEvent) => (ctx: C) => void records.push({ event, ctx, seen: { ...ctx } });
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
  channel.subscribe(handlers);
  return { records, stop: () => channel.unsubscribe(handlers) };
}

/** Records every message of a plain channel until `stop()`. */
export function recordChannel<T>(name: string): { messages: T[]; stop(): void } {
  const messages: T[] = [];
  const handler = (message: unknown): void => void messages.push(message as T);
  diagnostics_channel.subscribe(name, handler);
  return { messages, stop: () => diagnostics_channel.unsubscribe(name, handler) };
}

/** The events of one call (one context object), in order. */
export function eventsOf<C>(records: readonly TraceRecord<C>[], ctx: C): TraceEvent[] {
  return records.filter((r) => r.ctx === ctx).map((r) => r.event);
}

/**
 * Every secret that shows up in the payloads, printed the way a tracer or a logger might print them:
 * `util.inspect` to any depth (errors with their causes and stacks) and JSON.
 */
export function secretsIn(payloads: readonly unknown[], secrets: readonly string[]): string[] {
  const text = payloads.map((p) => `${inspect(p, { depth: 20, showHidden: true, getters: false })}\n${safeJson(p)}`).join('\n');
  return secrets.filter((s) => s !== '' && text.includes(s));
}

function safeJson(value: unknown): string {
  const seen = new WeakSet();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Error) return { ...v, name: v.name, message: v.message, stack: v.stack, cause: v.cause };
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[cycle]';
        seen.add(v);
      }
      return v;
    });
  } catch (error) {
    return String(error);
  }
}
