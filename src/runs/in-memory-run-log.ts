import { isTerminal, type RunEvent } from '../protocol/index.js';
import type { LoggedEvent, RunLog } from './run-log.js';

/** Most events handed to a reader at once, so a reader far behind still writes in bounded chunks. */
export const MAX_BATCH = 256;

/** A run log held in this process: an array and one wake-up promise shared by every waiting reader. */
export class InMemoryRunLog implements RunLog {
  readonly #events: LoggedEvent[] = [];
  #ended = false;
  #wake: { promise: Promise<void>; resolve: () => void } | undefined;

  /** @param mirror called with each appended event, in order (the Redis backend copies them out). */
  constructor(private readonly mirror?: (event: LoggedEvent) => void) {}

  get lastId(): number {
    return this.#events.length;
  }

  get ended(): boolean {
    return this.#ended;
  }

  append(event: RunEvent): number {
    if (this.#ended) throw new Error(`run log already ended; cannot append ${event.type}`);
    const id = this.#events.length + 1;
    const logged = { id, type: event.type, data: JSON.stringify(event) };
    this.#events.push(logged);
    this.mirror?.(logged);
    if (isTerminal(event.type)) this.#ended = true;
    // Only readers that caught up wait; waking them costs nothing when there are none.
    if (this.#wake) {
      this.#wake.resolve();
      this.#wake = undefined;
    }
    return id;
  }

  async *read(after: number, signal?: AbortSignal): AsyncIterable<LoggedEvent[]> {
    let next = Math.max(0, after);
    while (!signal?.aborted) {
      if (next < this.#events.length) {
        const batch = this.#events.slice(next, next + MAX_BATCH);
        next += batch.length;
        yield batch;
        continue;
      }
      if (this.#ended) return;
      if (!(await this.#changed(signal))) return;
    }
  }

  /** Resolves true on the next append, false if `signal` aborts first. */
  #changed(signal: AbortSignal | undefined): Promise<boolean> {
    if (!this.#wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#wake = { promise, resolve };
    }
    const appended = this.#wake.promise.then(() => true);
    if (!signal) return appended;
    return new Promise<boolean>((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      appended.then((v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      });
    });
  }
}
