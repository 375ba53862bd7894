import type { Socket } from 'node:net';

/** What decides when queued bytes may go out. */
export interface OutboundGate {
  /** How long each write waits from now; changes apply to later writes. */
  delayMs(): number;
  /** While true nothing goes out (a blackhole); call {@link Outbound.pump} when it turns false. */
  blocked(): boolean;
}

interface Item {
  readonly due: number;
  /** `null`: end the socket (FIN) once everything before has gone. */
  readonly bytes: Buffer | null;
}

// Past this many queued writes the source is paused (see `backlogged`), so a delayed or blocked
// direction cannot fill memory.
const MAX_QUEUED = 256;

/**
 * One direction of a proxied session: writes to a socket in order, each one no earlier than the delay
 * in force when it was queued, and none while the gate is blocked. A later write never overtakes an
 * earlier one, even when the delay shrinks.
 */
export class Outbound {
  private readonly items: Item[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDue = 0;
  private closed = false;

  /** `changed` is called when `backlogged` may have changed (the source can be paused or resumed). */
  constructor(private readonly socket: Socket, private readonly gate: OutboundGate, private readonly changed: () => void) {
    socket.on('drain', changed);
  }

  /** True when the source should stop reading until `changed` is called again. */
  get backlogged(): boolean {
    return this.items.length > MAX_QUEUED || this.socket.writableNeedDrain;
  }

  /** True when nothing is queued. */
  get idle(): boolean {
    return this.items.length === 0;
  }

  write(bytes: Buffer): void {
    this.enqueue(bytes);
  }

  /** Ends the socket after everything queued before. */
  end(): void {
    this.enqueue(null);
  }

  /** Sends what is due; schedules itself for the rest. Call it when the gate opens. */
  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const before = this.backlogged;
    while (!this.closed && this.items.length > 0 && !this.gate.blocked()) {
      const head = this.items[0] as Item;
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        break;
      }
      this.items.shift();
      if (this.socket.destroyed || this.socket.writableEnded) continue;
      if (head.bytes === null) this.socket.end();
      else this.socket.write(head.bytes);
    }
    if (before !== this.backlogged) this.changed();
  }

  /** Drops everything queued and stops; for a session that is going away. */
  dispose(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items.length = 0;
    this.socket.off('drain', this.changed);
  }

  private enqueue(bytes: Buffer | null): void {
    if (this.closed) return;
    this.lastDue = Math.max(Date.now() + this.gate.delayMs(), this.lastDue);
    this.items.push({ due: this.lastDue, bytes });
    // Only the head can be due first, and a timer is already set for it when one is waiting.
    if (this.items.length === 1 || !this.timer) this.pump();
  }
}
