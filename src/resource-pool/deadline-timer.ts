/**
 * One unref'd timer that fires by the earliest deadline asked of it: the pool's idle and lifetime reaper.
 * Unref'd so that an idle pool never keeps the process alive.
 */
import { MAX_TIMER_MS } from '../config/validate.js';

export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending timer fires, on the caller's clock; Infinity when none is pending. */
  private at = Infinity;

  constructor(
    private readonly fire: () => void,
    private readonly now: () => number,
  ) {}

  /**
   * Makes sure `fire` runs by `at` (a time on the `now` clock). A later deadline than the pending one is a
   * no-op, which makes this cheap to call on every release.
   */
  by(at: number): void {
    if (at >= this.at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    // Clamped: a delay above MAX_TIMER_MS would fire at once.
    const delay = Math.min(Math.max(1, Math.ceil(at - this.now())), MAX_TIMER_MS);
    this.at = at;
    this.timer = setTimeout(this.onTimer, delay);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.at = Infinity;
    this.fire();
  };
}
