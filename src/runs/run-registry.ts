import type { RunId } from '../protocol/index.js';
import { InMemoryRunLog } from './in-memory-run-log.js';
import type { RunLog } from './run-log.js';

/** A generation in progress: its log, and the signal that stops it. */
export interface Run {
  readonly id: RunId;
  readonly log: RunLog;
  readonly signal: AbortSignal;
  /** Stops the run; the pipeline sees `signal` abort and ends the run as cancelled. */
  abort(reason?: unknown): void;
}

/** The runs this process is executing. Knows nothing of HTTP: transports subscribe to `run.log`. */
export class RunRegistry {
  readonly #active = new Map<RunId, { run: Run; settled: Promise<void> }>();

  /**
   * Starts `work` for a new run and returns at once. `work` must append a terminal event; whatever it
   * throws is its own bug, so it is reported to `onCrash` and never becomes an unhandled rejection.
   */
  start(id: RunId, work: (run: Run) => Promise<void>, onCrash: (error: unknown, run: Run) => void): Run {
    const controller = new AbortController();
    const run: Run = {
      id,
      log: new InMemoryRunLog(),
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
    };
    const settled = work(run)
      .catch((error: unknown) => onCrash(error, run))
      .finally(() => this.#active.delete(id));
    this.#active.set(id, { run, settled });
    return run;
  }

  get(id: RunId): Run | undefined {
    return this.#active.get(id)?.run;
  }

  get size(): number {
    return this.#active.size;
  }

  /** Resolves when the run's work has finished, its final state stored; at once if it is not active. */
  async whenSettled(id: RunId): Promise<void> {
    await this.#active.get(id)?.settled;
  }

  /** Resolves when every active run has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.settled));
  }
}
