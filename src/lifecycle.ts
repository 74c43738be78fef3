import { setMaxListeners } from 'node:events';

/**
 * The server's shutdown, as every part sees it. It drains first: readiness turns 503 so load balancers send new
 * work elsewhere, while everything else goes on; once it begins, every follower tells its client where to
 * resume and ends, and new turns are refused.
 */
export class Lifecycle {
  readonly #controller = new AbortController();
  #draining = false;

  constructor() {
    // Every follower of every open stream listens for the shutdown (one listener each): thousands is normal,
    // not a leak.
    setMaxListeners(0, this.#controller.signal);
  }

  get shuttingDown(): boolean {
    return this.#controller.signal.aborted;
  }

  /** False from the start of the drain: the instance should get no new work. */
  get ready(): boolean {
    return !this.#draining && !this.shuttingDown;
  }

  /** Readiness turns 503; nothing else changes yet. */
  drain(): void {
    this.#draining = true;
  }

  /** Aborts when shutdown begins. Listeners run at once, before any connection is closed. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  begin(): void {
    this.#draining = true;
    this.#controller.abort();
  }
}
