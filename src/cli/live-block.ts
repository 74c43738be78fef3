import type { TerminalOutput } from './terminal-output.js';

/**
 * Lines at the bottom of a terminal that can be drawn again in place: each `draw` moves the cursor up over
 * the previous drawing, clears to the end of the screen and writes the new lines. It must start at the
 * beginning of a line, and every line must fit the terminal's width and the block its height (a wrapped or
 * scrolled-away line could not be reached again).
 */
export class LiveBlock {
  #height = 0;

  constructor(private readonly out: TerminalOutput) {}

  draw(lines: string[]): void {
    const up = this.#height > 0 ? `\x1b[${this.#height}A` : '';
    this.out.write(`\r${up}\x1b[0J${lines.map((line) => `${line}\n`).join('')}`);
    this.#height = lines.length;
  }

  /** Leaves the block as it is drawn: what is written next goes below it. */
  commit(): void {
    this.#height = 0;
  }
}
