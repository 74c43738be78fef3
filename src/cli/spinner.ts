import { truncate } from './fit-width.js';
import { printableLine } from './printable.js';
import type { TerminalOutput } from './terminal-output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * An animated `⠋ label` line on a terminal, redrawn in place with `\r` and erased with "clear line".
 * `suspend` takes it off the screen while something else writes where it stands; `resume` puts it back.
 */
export class Spinner {
  #label: string | null = null;
  #frame = 0;
  #shown = false;
  #suspended = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly out: TerminalOutput,
    private readonly intervalMs = 80,
  ) {}

  /** Shows `label` (at once), or nothing with `null`. */
  set(label: string | null): void {
    if (label === this.#label) return;
    this.#label = label;
    if (label === null) {
      this.#erase();
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      return;
    }
    if (!this.#timer) {
      this.#timer = setInterval(() => {
        this.#frame = (this.#frame + 1) % FRAMES.length;
        this.#draw();
      }, this.intervalMs);
      // A spinner never keeps the process alive.
      this.#timer.unref();
    }
    this.#draw();
  }

  suspend(): void {
    this.#suspended = true;
    this.#erase();
  }

  resume(): void {
    this.#suspended = false;
    this.#draw();
  }

  stop(): void {
    this.set(null);
  }

  #draw(): void {
    if (this.#label === null || this.#suspended) return;
    const width = Math.max(1, (this.out.columns ?? 80) - 3);
    this.out.write(`\r\x1b[2K${FRAMES[this.#frame]} ${truncate(printableLine(this.#label), width)}`);
    this.#shown = true;
  }

  #erase(): void {
    if (this.#shown) this.out.write('\r\x1b[2K');
    this.#shown = false;
  }
}
