import { isTerminal, type LoggedEvent, type RunEvent, type RunEventType } from '../protocol/index.js';
import { type RunLog, readLog } from './run-log.js';

/** Most events handed to a reader at once, so a reader far behind still writes in bounded chunks. */
export const MAX_BATCH = 256;

const EMPTY: LoggedEvent[] = [];
const TOKEN_PREFIX = '{"type":"token","delta":';

/** An event's JSON from its stored form: a token is stored as its delta's JSON string, any other event whole. */
export function eventData(type: RunEventType, stored: string): string {
  return type === 'token' ? `${TOKEN_PREFIX}${stored}}` : stored;
}

/** Called with each appended event, in order: its id, its type and its stored form (see `eventData`). */
export type LogMirror = (id: number, type: RunEventType, stored: string) => void;

/**
 * A run log held in this process, compactly: per event its type and its JSON — for a token only its delta as a
 * JSON string, the rest of its JSON being the same for every token — rather than an object per event. Readers
 * that caught up wait on one wake-up shared by all, fired once per event-loop turn in which something was
 * appended: a burst of events reaches each reader as one batch.
 */
export class InMemoryRunLog implements RunLog {
  readonly #types: RunEventType[] = [];
  readonly #data: string[] = [];
  #ended = false;
  #wake: { promise: Promise<void>; resolve: () => void } | undefined;
  #wakeScheduled = false;

  /** @param mirror called with each appended event (the Redis backend copies them out). */
  constructor(private readonly mirror?: LogMirror) {}

  get lastId(): number {
    return this.#data.length;
  }

  get ended(): boolean {
    return this.#ended;
  }

  append(event: RunEvent): number {
    if (this.#ended) throw new Error(`run log already ended; cannot append ${event.type}`);
    const token = event.type === 'token';
    const data = token ? JSON.stringify(event.delta) : JSON.stringify(event);
    this.#types.push(event.type);
    this.#data.push(data);
    const id = this.#data.length;
    this.mirror?.(id, event.type, data);
    if (isTerminal(event.type)) this.#ended = true;
    // Only readers that caught up wait; waking them costs nothing when there are none.
    if (this.#wake && !this.#wakeScheduled) {
      this.#wakeScheduled = true;
      setImmediate(this.#wakeReaders);
    }
    return id;
  }

  next(after: number, signal?: AbortSignal): Promise<LoggedEvent[]> {
    if (signal?.aborted) return Promise.resolve(EMPTY);
    if (after < this.#data.length) return Promise.resolve(this.#batch(after));
    if (this.#ended) return Promise.resolve(EMPTY);
    // A wake-up already scheduled for events this reader has read is not one for it: it waits again.
    return this.#changed(signal).then(() => this.next(after, signal));
  }

  read(after: number, signal?: AbortSignal): AsyncIterable<LoggedEvent[]> {
    return readLog(this, after, signal);
  }

  /** The events after `after`, at most a batch of them, as readers get them. */
  #batch(after: number): LoggedEvent[] {
    const from = Math.max(0, after);
    const to = Math.min(this.#data.length, from + MAX_BATCH);
    const batch: LoggedEvent[] = new Array(to - from);
    for (let i = from; i < to; i++) {
      const type = this.#types[i] as RunEventType;
      batch[i - from] = { id: i + 1, type, data: eventData(type, this.#data[i] as string) };
    }
    return batch;
  }

  readonly #wakeReaders = () => {
    this.#wakeScheduled = false;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.resolve();
  };

  /** Resolves on the next wake-up, or when `signal` aborts. */
  #changed(signal: AbortSignal | undefined): Promise<void> {
    if (!this.#wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#wake = { promise, resolve };
    }
    const woken = this.#wake.promise;
    if (!signal) return woken;
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void woken.then(done);
    });
  }
}
