import { EventEmitter } from 'node:events';

/**
 * The faults in force on one instance's listener, shared by all its sessions. Every change emits
 * `change`, on which a session re-checks what it may do (a released handshake goes on, a blackhole
 * that lifted lets queued bytes through).
 */
export class Faults extends EventEmitter {
  private heldValue = false;
  private blackholedValue = false;
  private delayValue = 0;
  private cutValue = false;

  constructor() {
    super();
    // One listener per open session.
    this.setMaxListeners(0);
  }

  /** New handshakes wait (the first packet is read, nothing is answered). */
  get held(): boolean {
    return this.heldValue;
  }

  set held(value: boolean) {
    this.heldValue = value;
    this.emit('change');
  }

  /** Nothing moves on any session, and new connections are accepted but never read. */
  get blackholed(): boolean {
    return this.blackholedValue;
  }

  set blackholed(value: boolean) {
    this.blackholedValue = value;
    this.emit('change');
  }

  /** Milliseconds added to every server-to-client write. */
  get delayMs(): number {
    return this.delayValue;
  }

  set delayMs(value: number) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`a delay must be a finite number of ms >= 0, not ${value}`);
    this.delayValue = value;
    this.emit('change');
  }

  /** Whether a cut is armed (see {@link takeCut}). */
  get cutArmed(): boolean {
    return this.cutValue;
  }

  /** Arms a cut: the next DataRow or CommandComplete on any session is cut short. */
  armCut(): void {
    this.cutValue = true;
  }

  /** True once, for the first session that asks after {@link armCut}. */
  takeCut(): boolean {
    const armed = this.cutValue;
    this.cutValue = false;
    return armed;
  }
}
