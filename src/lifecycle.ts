import { setMaxListeners } from 'node:events';

/**
 * The server's shutdown, as every part sees it: once it begins, every follower tells its client where to
 * resume and ends, readiness turns 503 so load balancers send new work elsewhere, and new turns are refused.
 */
export class Lifecycle {
  readonly #controller = new AbortController();

  constructor() {
    // Every follower of every open stream listens for the shutdown (one listener each): thousands is normal,
    // not a leak.
    setMaxListeners(0, this.#controller.signal);
  }

  get shuttingDown(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Aborts when shutdown begins. Listeners run at once, before any connection is closed. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  begin(): void {
    this.#controller.abort();
  }
}
