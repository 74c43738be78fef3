import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isTerminal, type RunEvent, type RunId, type RunStatus } from '../protocol/index.js';
import type { RunStore } from '../store/index.js';
import type { RunBackend } from './run-backend.js';
import type { RunLog } from './run-log.js';

/** Why a run stopped when this instance shut down before it finished: stored `interrupted`, resumable. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
}

/** What happens to a run when its last subscriber leaves: go on (and be resumable), or stop. */
export type DisconnectPolicy = 'continue' | 'cancel';

/** A generation in progress on this instance: its log, and the signal that stops it. */
export interface Run {
  readonly id: RunId;
  readonly log: RunLog;
  readonly signal: AbortSignal;
  readonly onDisconnect: DisconnectPolicy;
  /** Stops the run; the pipeline sees `signal` abort and ends the run as cancelled. */
  abort(reason?: unknown): void;
}

export interface RunRegistryOptions {
  backend: RunBackend;
  store: RunStore;
  log: { error(details: Record<string, unknown>, message: string): void };
}

/**
 * The runs this instance executes, and the way to every run's log wherever it runs. Knows nothing of the
 * transports: they follow logs (`followRun`), and presence decides when a run nobody follows stops.
 */
export class RunRegistry extends EventEmitter<{
  /** A run began on this instance; its log holds every event it appends, from the first. */
  started: [run: Run];
  /** A run of this instance finished, its final status recorded. */
  ended: [run: Run];
}> {
  /** This process: the owner recorded on its runs and renewed in their leases. */
  readonly instanceId = randomUUID();
  readonly #active = new Map<RunId, { run: Run; settled: Promise<void> }>();

  constructor(private readonly o: RunRegistryOptions) {
    super();
    o.backend.onCancel((runId) =>
      this.#active.get(runId as RunId)?.run.abort(new Error('cancelled on request')),
    );
  }

  /**
   * Starts `work` for a new run and returns at once. `work` must append a terminal event; whatever it
   * throws is its own bug, so it is reported to `onCrash` and never becomes an unhandled rejection.
   * The run's final status is recorded from its terminal event, and its log is kept for resumes.
   */
  start(
    id: RunId,
    work: (run: Run) => Promise<void>,
    onCrash: (error: unknown, run: Run) => void,
    onDisconnect: DisconnectPolicy = 'continue',
  ): Run {
    const controller = new AbortController();
    const run: Run = {
      id,
      log: this.o.backend.createLog(id),
      signal: controller.signal,
      onDisconnect,
      abort: (reason) => controller.abort(reason),
    };
    const settled = work(run)
      .catch((error: unknown) => onCrash(error, run))
      .then(() => this.#record(run))
      .finally(() => {
        this.#active.delete(id);
        this.o.backend.retain(id);
        this.emit('ended', run);
      });
    this.#active.set(id, { run, settled });
    this.emit('started', run);
    return run;
  }

  /** Stores the run's final status, read from its terminal event. */
  async #record(run: Run): Promise<void> {
    let last: RunEvent | undefined;
    // The terminal event is the last one; reading from lastId - 1 gives just it.
    for await (const batch of run.log.read(Math.max(0, run.log.lastId - 1))) {
      const e = batch.at(-1);
      if (e && isTerminal(e.type)) last = JSON.parse(e.data) as RunEvent;
    }
    const status: Exclude<RunStatus, 'running'> =
      last?.type === 'done'
        ? last.finish_reason === 'cancelled'
          ? 'cancelled'
          : 'done'
        : last?.type === 'error' && last.code === 'run_interrupted'
          ? 'interrupted'
          : 'failed';
    await this.o.store
      .finish(run.id, status, run.log.lastId)
      .catch((err) => this.o.log.error({ err, runId: run.id }, 'recording run status failed'));
  }

  /** The run, when this instance executes it. */
  get(id: string): Run | undefined {
    return this.#active.get(id as RunId)?.run;
  }

  /** A run's log wherever it runs (here, or on another instance through Redis); undefined if gone. */
  async openLog(id: string): Promise<RunLog | undefined> {
    return this.#active.get(id as RunId)?.run.log ?? (await this.o.backend.openLog(id));
  }

  /** Stops a run wherever it runs. */
  async cancel(id: string): Promise<void> {
    const local = this.#active.get(id as RunId);
    if (local) local.run.abort(new Error('cancelled on request'));
    else await this.o.backend.requestCancel(id);
  }

  /** Runs executing on this instance now. */
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

  /** Stops every run of this instance with `reason` (their pipelines store what they have) and waits for them. */
  async abortAll(reason: Error): Promise<void> {
    for (const { run } of this.#active.values()) run.abort(reason);
    await this.drain();
  }
}
