import { EventEmitter } from 'node:events';

/**
 * The server's shutdown, as transports see it: when it begins, every open stream and socket tells its
 * client where to resume and closes, and readiness turns 503 so load balancers send new work elsewhere.
 */
export class Lifecycle extends EventEmitter<{ shutdown: [] }> {
  #shuttingDown = false;
  readonly #controller = new AbortController();

  constructor() {
    super();
    // Every open event stream listens for the shutdown (one listener each): thousands is normal, not a leak.
    this.setMaxListeners(0);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Aborts when shutdown begins. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  begin(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#controller.abort();
    this.emit('shutdown');
  }
}

/** The transport-level message a client gets at shutdown: resume this run after this id (elsewhere or later). */
export function reconnectMessage(runId: string, after: number) {
  return { type: 'reconnect' as const, run_id: runId, after, url: `/v1/runs/${runId}/events` };
}
