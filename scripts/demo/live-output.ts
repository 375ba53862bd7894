/**
 * Where the frames go: on a terminal, one frame redrawn in place a few times a second (as `top` does); in
 * a file or a pipe, plain lines with no escape codes, one per event and one per second.
 */
import { eventLine, renderFrame, renderTick, WIDTH } from './render.js';
import type { Sampler } from './sampler.js';

/** How the demo writes. */
export interface OutputMode {
  /** Redraw in place (stdout is a terminal). */
  readonly live: boolean;
  /** Colours (a terminal, and NO_COLOR unset or empty). */
  readonly color: boolean;
  /** Columns: 80, or fewer on a narrower terminal (a wrapped line would break the redraw). */
  readonly width: number;
}

/** The mode for this stream and environment. */
export function outputMode(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): OutputMode {
  const live = stream.isTTY === true;
  const columns = live && stream.columns !== undefined && stream.columns > 0 ? stream.columns : WIDTH;
  return { live, color: live && (env.NO_COLOR ?? '') === '', width: Math.min(WIDTH, columns) };
}

const FRAME_MS = 250;
const TICK_EVERY = 4;
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Draws the sampler's state until {@link LiveOutput.stop}. */
export class LiveOutput {
  readonly #sampler: Sampler;
  readonly #mode: OutputMode;
  readonly #write: (text: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #height = 0;
  #frames = 0;

  constructor(sampler: Sampler, mode: OutputMode, write: (text: string) => void) {
    this.#sampler = sampler;
    this.#mode = mode;
    this.#write = write;
  }

  start(): void {
    if (this.#mode.live) this.#write(HIDE_CURSOR);
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), FRAME_MS);
  }

  /** Draws the last frame (or the last plain lines) and gives the cursor back. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#frames = 0;
    this.#draw();
    if (this.#mode.live) this.#write(SHOW_CURSOR);
  }

  /** Puts the cursor back if the process is interrupted mid-frame. */
  restoreTerminal(): void {
    if (this.#mode.live) this.#write(`${SHOW_CURSOR}\n`);
  }

  #draw(): void {
    const state = this.#sampler.sample();
    const fresh = this.#sampler.takeNewEvents();
    if (this.#mode.live) {
      const lines = renderFrame(state, { color: this.#mode.color, width: this.#mode.width });
      // Back to the top of the previous frame, rewrite every line, clear whatever the old frame had below.
      const up = this.#height > 0 ? `\x1b[${this.#height}F` : '';
      this.#write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join('')}\x1b[J`);
      this.#height = lines.length;
      return;
    }
    for (const event of fresh) this.#write(`${eventLine(event)}\n`);
    if (this.#frames++ % TICK_EVERY === 0) this.#write(`${renderTick(state)}\n`);
  }
}
