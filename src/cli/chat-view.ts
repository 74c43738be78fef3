import type { MessageState } from '../client/index.js';
import type { ComponentState } from '../protocol/index.js';
import { truncate } from './fit-width.js';
import { LiveBlock } from './live-block.js';
import { printable, printableLine } from './printable.js';
import { renderCard } from './render-card.js';
import { renderTable } from './render-table.js';
import { Spinner } from './spinner.js';
import type { TerminalOutput } from './terminal-output.js';

/**
 * Renders an answer into a terminal as its state changes: `update` after every event, `finish` once.
 *
 * stdout gets the text, components and sources in answer order. A component is placed where the text stood
 * when it appeared, in a block of its own; the text that arrives while it fills is held back and follows it,
 * so text and tables never interleave. On a terminal the block is redrawn in place as rows arrive (cut to
 * the screen's width); otherwise it is printed once, complete, as plain text, and the text is not cut.
 *
 * stderr gets the progress: on a terminal a spinner with the current step's label (hidden while stdout is
 * part-way through a line of the same screen, erased at the end); otherwise one `<status>: <label>` line
 * per step that completed, failed or was skipped.
 */
export class ChatView {
  readonly #spinner: Spinner | null;
  /** stdout and stderr are both terminals: the spinner stands where stdout writes next. */
  readonly #sharesScreen: boolean;
  /** How much of the text is on screen. */
  #written = 0;
  /** Where each component goes: the length of the text when it appeared. */
  readonly #anchors = new Map<string, number>();
  readonly #done = new Set<string>();
  #live: LiveBlock | null = null;
  /** The last progress line written per step. */
  readonly #reported = new Map<string, string>();
  /** The last two characters written to stdout. */
  #tail = '';
  #afterBlock = false;

  constructor(
    private readonly stdout: TerminalOutput,
    private readonly stderr: TerminalOutput,
  ) {
    this.#spinner = stderr.isTTY ? new Spinner(stderr) : null;
    this.#sharesScreen = Boolean(stdout.isTTY && stderr.isTTY);
    this.#spinner?.set('Waiting for the server');
  }

  update(state: MessageState): void {
    this.#progress(state);
    this.#content(state, false);
  }

  /** Writes what is left (components as they stand), the sources, and takes the spinner away. */
  finish(state: MessageState): void {
    this.#progress(state);
    this.#spinner?.stop();
    this.#content(state, true);
    if (state.sources.length > 0) {
      this.#separate();
      for (const s of state.sources)
        this.#write(`${truncate(printableLine(`[${s.n}] ${s.title} — ${s.snippet}`), this.#width())}\n`);
    }
    if (this.#tail && !this.#tail.endsWith('\n')) this.#write('\n');
  }

  #progress(state: MessageState): void {
    if (this.#spinner) {
      const current = state.progress.findLast((p) => p.status === 'started');
      this.#spinner.set(current?.label ?? (state.run_id ? null : 'Waiting for the server'));
      return;
    }
    for (const p of state.progress) {
      if (p.status === 'started') continue;
      const line = printableLine(`${p.status}: ${p.label}`);
      if (this.#reported.get(p.step) === line) continue;
      this.#reported.set(p.step, line);
      this.stderr.write(`${line}\n`);
    }
  }

  #content(state: MessageState, final: boolean): void {
    for (const c of state.components)
      if (!this.#anchors.has(c.id)) this.#anchors.set(c.id, state.text.length);
    for (const c of state.components) {
      if (this.#done.has(c.id)) continue;
      this.#text(state.text.slice(this.#written, this.#anchors.get(c.id)));
      if (c.status !== 'complete' && !final) {
        if (this.stdout.isTTY) this.#drawLive(c);
        return;
      }
      this.#drawComplete(c);
      this.#done.add(c.id);
    }
    this.#text(state.text.slice(this.#written));
  }

  #text(chunk: string): void {
    if (!chunk) return;
    this.#written += chunk.length;
    let text = printable(chunk);
    if (this.#afterBlock) {
      // The blank line after a block is ours; the text's own line breaks and spaces before it would add more.
      text = text.trimStart();
      if (!text) return;
      this.#afterBlock = false;
      this.#write('\n');
    }
    this.#write(text);
  }

  #drawLive(component: ComponentState): void {
    const lines = this.#render(component);
    const count = component.rows.length;
    const status = component.kind === 'table' ? `${count} row${count === 1 ? '' : 's'} so far` : 'loading';
    const footer = `\x1b[2m… ${status}\x1b[22m`;
    // A block taller than the screen could not be redrawn: show its title until it is complete.
    const fits = lines.length + 1 < (this.stdout.rows ?? 24) - 1;
    if (!this.#live) {
      this.#separate();
      this.#live = new LiveBlock({ write: (s: string) => this.#write(s) });
    }
    this.#live.draw(fits ? [...lines, footer] : [lines[0] ?? '', footer]);
  }

  #drawComplete(component: ComponentState): void {
    const lines = this.#render(component);
    if (component.status !== 'complete') lines[0] = truncate(`${lines[0]} (incomplete)`, this.#width());
    if (this.#live) {
      this.#live.draw(lines);
      this.#live.commit();
      this.#live = null;
    } else {
      this.#separate();
      this.#write(lines.map((line) => `${line}\n`).join(''));
    }
    this.#afterBlock = true;
  }

  #render(component: ComponentState): string[] {
    const width = this.#width();
    return component.kind === 'table' ? renderTable(component, width) : renderCard(component, width);
  }

  /** On a terminal, one column short of its width: a line that fills the last column may wrap. */
  #width(): number {
    return this.stdout.isTTY ? Math.max(1, (this.stdout.columns ?? 80) - 1) : Infinity;
  }

  /** Ends the current line and leaves a blank one, unless stdout is empty or already there. */
  #separate(): void {
    if (this.#tail === '' || this.#tail === '\n\n') return;
    this.#write(this.#tail.endsWith('\n') ? '\n' : '\n\n');
  }

  #write(chunk: string): void {
    if (this.#sharesScreen) this.#spinner?.suspend();
    this.stdout.write(chunk);
    this.#tail = (this.#tail + chunk).slice(-2);
    if (this.#sharesScreen && this.#tail.endsWith('\n')) this.#spinner?.resume();
  }
}
