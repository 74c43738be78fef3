// Types only: the protocol's runtime (zod schemas) stays out of browser bundles.
import type { RunEvent } from '../protocol/index.js';
import { applyRunEvent, emptyMessageState, type MessageState } from './message-state.js';
import { readSse } from './read-sse.js';
import { StreamForgeError } from './streamforge-error.js';

/** How a run stream reconnects after a dropped connection. */
export interface ReconnectOptions {
  /** Reconnections in a row without a new event before giving up. @default 8 */
  maxAttempts?: number;
  /** Delay before the first reconnection; doubled after each one that brings nothing. @default 250 */
  initialDelayMs?: number;
  /** The cap on that delay. @default 5000 */
  maxDelayMs?: number;
}

/** Opens a connection: the first one (`after` 0, or where a resume starts) and every reconnection. */
export type OpenRunConnection = (request: {
  runId: string | null;
  after: number;
  signal: AbortSignal;
}) => Promise<Response>;

export type RunStreamListener = (state: MessageState, event: RunEvent) => void;

/** 5xx and 429 on a reconnection are worth another try; anything else will not change. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * One run's events as they arrive, over as many connections as it takes. After a dropped connection it
 * reconnects at `GET /v1/runs/{id}/events` with `Last-Event-ID` (bounded exponential backoff with jitter, reset
 * by every new event) and drops any event it already has, so each event is applied exactly once.
 *
 * Read it as an async iterator of events (each iterator starts from the run's first event), follow
 * `state` with `subscribe`, or await `done` for the final state. A run that ends in an `error` event
 * ends normally (`state.status` is `failed`); `done` rejects only when the stream itself cannot go on
 * (a refused request, a run whose events expired, a server gone for good) or after `close()`.
 */
export class RunStream implements AsyncIterable<RunEvent> {
  #state = emptyMessageState();
  #runId: string | null;
  #lastEventId: number;
  readonly #events: RunEvent[] = [];
  readonly #listeners = new Set<RunStreamListener>();
  /** Wakes iterators waiting for the next event or the end. */
  #wake: () => void = () => {};
  #changed = new Promise<void>((resolve) => (this.#wake = resolve));
  #ended = false;
  #failure: unknown = null;
  readonly #abort = new AbortController();
  readonly #done: Promise<MessageState>;
  #runIdKnown!: (id: string) => void;
  readonly #runIdPromise = new Promise<string>((resolve) => (this.#runIdKnown = resolve));

  constructor(
    private readonly open: OpenRunConnection,
    private readonly cancelRun: (runId: string) => Promise<void>,
    options: { runId?: string; after?: number; reconnect?: ReconnectOptions; signal?: AbortSignal } = {},
  ) {
    this.#runId = options.runId ?? null;
    if (this.#runId) this.#runIdKnown(this.#runId);
    this.#lastEventId = options.after ?? 0;
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', () => this.close(), { once: true });
    this.#done = this.#drive(options.reconnect ?? {});
    // `done` is there to be awaited; a caller that only iterates must not get an unhandled rejection.
    this.#done.catch(() => {});
  }

  /** The answer so far. */
  get state(): MessageState {
    return this.#state;
  }
  /** Known once the server has answered the first request. */
  get runId(): string | null {
    return this.#runId;
  }
  /** The id of the last event applied: where a later `resume` would pick up. */
  get lastEventId(): number {
    return this.#lastEventId;
  }
  /** The final state, once the run has ended. */
  get done(): Promise<MessageState> {
    return this.#done;
  }

  /** Calls `listener` after every event, with the new state; returns the unsubscribe function. */
  subscribe(listener: RunStreamListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks the server to stop the run; the stream then ends with `done` (`finish_reason: cancelled`). */
  async cancel(): Promise<void> {
    await this.cancelRun(this.#runId ?? (await this.#runIdPromise));
  }

  /** Stops listening (the run itself goes on, per its `on_disconnect`); `done` rejects with an AbortError. */
  close(): void {
    this.#abort.abort(new DOMException('The run stream was closed', 'AbortError'));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    let next = 0;
    for (;;) {
      while (next < this.#events.length) yield this.#events[next++] as RunEvent;
      if (this.#ended) {
        if (this.#failure && !this.#abort.signal.aborted) throw this.#failure;
        return;
      }
      await this.#changed;
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#changed = new Promise<void>((resolve) => (this.#wake = resolve));
    wake();
  }

  #apply(event: RunEvent): void {
    this.#events.push(event);
    this.#state = applyRunEvent(this.#state, event);
    if (event.type === 'start' && !this.#runId) {
      this.#runId = event.run_id;
      this.#runIdKnown(event.run_id);
    }
    for (const listener of this.#listeners) listener(this.#state, event);
    this.#notify();
  }

  async #drive(reconnect: ReconnectOptions): Promise<MessageState> {
    try {
      await this.#follow(reconnect);
      return this.#state;
    } catch (error) {
      this.#failure = error;
      throw error;
    } finally {
      this.#ended = true;
      this.#notify();
    }
  }

  async #follow({
    maxAttempts = 8,
    initialDelayMs = 250,
    maxDelayMs = 5000,
  }: ReconnectOptions): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    let first = true;
    for (;;) {
      signal.throwIfAborted();
      let response: Response | null = null;
      let lost: unknown = null;
      try {
        response = await this.open({ runId: this.#runId, after: this.#lastEventId, signal });
      } catch (error) {
        signal.throwIfAborted();
        // No answer to the first request: nothing says a run exists to resume.
        if (first && !this.#runId) throw new StreamForgeError(0, 'network_error', describe(error));
        lost = error;
      }
      if (response) {
        const header = response.headers.get('x-run-id');
        if (header && !this.#runId) {
          this.#runId = header;
          this.#runIdKnown(header);
        }
        if (!response.ok) {
          const error = await StreamForgeError.fromResponse(response);
          if (first || !retryable(response.status)) throw error;
          lost = error;
        } else if (response.body) {
          try {
            for await (const message of readSse(response.body)) {
              // The server's shutdown notice: reconnect (to another instance, behind a load balancer).
              if (message.event === 'reconnect') {
                failures = 0;
                break;
              }
              const id = Number(message.id);
              if (!message.id || !Number.isInteger(id) || id <= this.#lastEventId) continue;
              const event = JSON.parse(message.data) as RunEvent;
              this.#lastEventId = id;
              failures = 0;
              this.#apply(event);
              if (event.type === 'done' || event.type === 'error') return;
            }
          } catch (error) {
            signal.throwIfAborted();
            lost = error;
          }
        }
      }
      first = false;
      if (!this.#runId)
        throw new StreamForgeError(0, 'network_error', 'The connection closed before the run started');
      failures += 1;
      if (failures > maxAttempts) {
        throw new StreamForgeError(
          lost instanceof StreamForgeError ? lost.status : 0,
          lost instanceof StreamForgeError ? lost.code : 'network_error',
          `Lost the run's event stream and could not reconnect after ${maxAttempts} attempts: ${describe(lost)}`,
        );
      }
      const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 1));
      await sleep(ceiling / 2 + (Math.random() * ceiling) / 2, signal);
    }
  }
}

function describe(error: unknown): string {
  if (error === null) return 'the stream ended before the run did';
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
