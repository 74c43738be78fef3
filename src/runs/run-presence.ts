import { EventEmitter } from 'node:events';
import type { RunBackend } from './run-backend.js';
import type { Run, RunRegistry } from './run-registry.js';

export interface RunPresenceOptions {
  backend: RunBackend;
  runs: RunRegistry;
  /** A `continue` run with no subscriber anywhere for this long is cancelled. @default 30000 */
  graceMs: number;
}

/**
 * Who follows which run: the subscribers on this instance, told to every instance through the backend, and
 * what happens to a run of this instance when its last one leaves — a `cancel` run stops at once, a `continue`
 * run after the grace period unless a subscriber (here or on another instance) came back.
 */
export class RunPresence extends EventEmitter<{ subscribers: [runId: string, count: number] }> {
  readonly #counts = new Map<string, number>();
  readonly #grace = new Map<string, NodeJS.Timeout>();
  /** Refreshes the presence of every run read here: one timer, however many subscribers. */
  #refresh: NodeJS.Timeout | undefined;

  constructor(private readonly o: RunPresenceOptions) {
    super();
    o.runs.on('ended', (run) => this.#disarm(run.id));
  }

  /** Records a subscriber of `runId` until the returned function is called (calling it again does nothing). */
  subscribe(runId: string): () => void {
    // Other instances learn of this subscriber through the backend; refreshed while it reads.
    this.#touch(runId);
    this.#disarm(runId);
    this.#count(runId, +1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#touch(runId);
      if (this.#count(runId, -1) > 0) return;
      const run = this.o.runs.get(runId);
      if (run && !run.signal.aborted) this.#lastLeft(run);
    };
  }

  /** How many subscribers read `runId` on this instance now. */
  count(runId: string): number {
    return this.#counts.get(runId) ?? 0;
  }

  #count(runId: string, delta: number): number {
    const n = (this.#counts.get(runId) ?? 0) + delta;
    if (n > 0) this.#counts.set(runId, n);
    else this.#counts.delete(runId);
    if (this.#counts.size > 0 && !this.#refresh) {
      this.#refresh = setInterval(
        () => {
          for (const id of this.#counts.keys()) this.#touch(id);
        },
        Math.max(100, Math.floor(this.o.graceMs / 3)),
      );
      this.#refresh.unref();
    } else if (this.#counts.size === 0 && this.#refresh) {
      clearInterval(this.#refresh);
      this.#refresh = undefined;
    }
    this.emit('subscribers', runId, n);
    return n;
  }

  #touch(runId: string): void {
    this.o.backend.touch(runId).catch(() => {});
  }

  #lastLeft(run: Run): void {
    if (run.onDisconnect === 'cancel') {
      run.abort(new Error('client disconnected'));
      return;
    }
    this.#disarm(run.id);
    const timer = setTimeout(async () => {
      this.#grace.delete(run.id);
      if (this.count(run.id) > 0 || run.signal.aborted) return;
      // A backend that does not answer cannot say that nobody reads: the run goes on, and is asked again later.
      const seen = await this.o.backend.lastSeen(run.id).catch(() => Date.now());
      if (seen !== undefined && Date.now() - seen < this.o.graceMs) {
        if (this.o.runs.get(run.id) === run) this.#lastLeft(run);
        return;
      }
      run.abort(new Error('no subscriber for the grace period'));
    }, this.o.graceMs);
    this.#grace.set(run.id, timer);
  }

  #disarm(runId: string): void {
    clearTimeout(this.#grace.get(runId));
    this.#grace.delete(runId);
  }
}
