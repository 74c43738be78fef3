import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RunId } from '../protocol/index.js';
import type { RunBackend } from './run-backend.js';
import type { RunLog } from './run-log.js';

/** Why a run stopped when this instance shut down before it finished: stored `interrupted`, resumable. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
}

/** What happens to a run when its last subscriber leaves: go on (and be resumable), or stop. */
export type DisconnectPolicy = 'continue' | 'cancel';

/** How a run ended, as its work reports it: what counting runs (the metrics) needs, without reading its log. */
export interface RunOutcome {
  model: string;
  status: 'done' | 'cancelled' | 'failed' | 'interrupted';
  /** Token events it appended. */
  tokens: number;
  /** From the run's start to its first token; null when it sent none. */
  ttftMs: number | null;
  durationMs: number;
  /** The code of its `error` event, when it ended with one. */
  errorCode?: string;
}

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
}

/**
 * The runs this instance executes, and the way to every run's log wherever it runs. Knows nothing of the
 * transports: they follow logs (`followRun`), and presence decides when a run nobody follows stops.
 */
export class RunRegistry extends EventEmitter<{
  /** A run began on this instance; its log holds every event it appends, from the first. */
  started: [run: Run];
  /** A run of this instance finished (its work stored its end with its last event); undefined: it crashed. */
  ended: [run: Run, outcome: RunOutcome | undefined];
}> {
  /** This process: the owner recorded on its runs and renewed in their leases. */
  readonly instanceId = randomUUID();
  readonly #active = new Map<RunId, { run: Run; settled: Promise<void> }>();

  constructor(private readonly o: RunRegistryOptions) {
    super();
    o.backend.onCancel((runId) =>
      this.#active.get(runId as RunId)?.run.abort(new Error('cancelled on request')),
    );
    o.backend.onLost((runId, error) => this.#active.get(runId as RunId)?.run.abort(error));
  }

  /**
   * Starts `work` for a new run and returns at once. `work` must store the run's end and append a terminal
   * event; whatever it throws is its own bug, so it is reported to `onCrash` and never becomes an unhandled
   * rejection. The run's log is kept for resumes.
   */
  start(
    id: RunId,
    work: (run: Run) => Promise<RunOutcome>,
    onCrash: (error: unknown, run: Run) => void | Promise<void>,
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
    let outcome: RunOutcome | undefined;
    const settled = work(run)
      .then(
        (ended) => {
          outcome = ended;
        },
        (error: unknown) => onCrash(error, run),
      )
      .finally(() => {
        this.#active.delete(id);
        this.o.backend.retain(id);
        this.emit('ended', run, outcome);
      });
    this.#active.set(id, { run, settled });
    this.emit('started', run);
    return run;
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

  /** Where run logs live: `memory` (this process) or `redis`. */
  get backendKind(): 'memory' | 'redis' {
    return this.o.backend.kind;
  }

  /** Resolves when the run logs' backend answers (readiness); rejects with `RunLogUnavailableError` if not. */
  ping(): Promise<void> {
    return this.o.backend.ping();
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
