import type { TerminalOutput } from './terminal-output.js';

// A cursor movement or erase (CSI), or any one character.
// eslint-disable-next-line no-control-regex
const TOKEN = /\x1b\[(\d*)([A-Za-z])|[\s\S]/gu;

/**
 * A fake terminal for tests: records every write and applies it to a screen, as a terminal would. It knows
 * what the CLI writes: `\r`, `\n` (to the next line's start, as a TTY's output processing does), cursor up
 * (`ESC[nA`), clear line (`ESC[2K`), clear to the end of the screen (`ESC[0J`), and ignores colours (`m`).
 * A line longer than `columns` wraps, and `wraps` counts it: a redrawn block must never wrap.
 */
export class TestTerminal implements TerminalOutput {
  readonly isTTY = true;
  readonly writes: string[] = [];
  wraps = 0;
  #lines: string[][] = [[]];
  #row = 0;
  #col = 0;

  constructor(
    readonly columns = 80,
    readonly rows = 24,
  ) {}

  write(chunk: string): boolean {
    this.writes.push(chunk);
    for (const [token, count, command] of chunk.matchAll(TOKEN)) {
      if (command) this.#control(command, Number(count || '0'));
      else if (token === '\r') this.#col = 0;
      else if (token === '\n') this.#newLine();
      else this.#put(token);
    }
    return true;
  }

  /** What the screen shows: one string per line, without trailing spaces or trailing empty lines. */
  get screen(): string[] {
    const lines = this.#lines.map((l) => l.join('').trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  #control(command: string, n: number): void {
    const line = this.#line();
    if (command === 'A') this.#row = Math.max(0, this.#row - Math.max(1, n));
    else if (command === 'K' && n === 2) line.length = 0;
    else if (command === 'K') line.length = Math.min(line.length, this.#col);
    else if (command === 'J' && n === 0) {
      line.length = Math.min(line.length, this.#col);
      this.#lines.length = this.#row + 1;
    } else if (command !== 'm') throw new Error(`TestTerminal does not know ESC[${n}${command}`);
  }

  #newLine(): void {
    this.#row++;
    this.#col = 0;
    this.#line();
  }

  #put(char: string): void {
    if (this.#col >= this.columns) {
      this.wraps++;
      this.#newLine();
    }
    const line = this.#line();
    while (line.length < this.#col) line.push(' ');
    line[this.#col++] = char;
  }

  #line(): string[] {
    while (this.#lines.length <= this.#row) this.#lines.push([]);
    return this.#lines[this.#row] as string[];
  }
}

/** A pipe or file: records what is written, no terminal. */
export class TestPipe implements TerminalOutput {
  readonly isTTY = false;
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}
