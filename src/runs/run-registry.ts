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

/** A generation in progress on this instance: its log, and the signal that stops it. */
export interface Run {
  readonly id: RunId;
  readonly log: RunLog;
  readonly signal: AbortSignal;
  /** Stops the run; the pipeline sees `signal` abort and ends the run as cancelled. */
  abort(reason?: unknown): void;
}

export interface RunRegistryOptions {
  backend: RunBackend;
  store: RunStore;
  /** A run with no subscriber anywhere for this long is cancelled. @default 30000 */
  graceMs: number;
  /** How long this instance's claim on its runs lasts without renewal. @default 15000 */
  leaseMs: number;
  /** How often expired leases (dead instances) are looked for. @default 5000 */
  sweepMs: number;
  log: {
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
}

interface Active {
  run: Run;
  settled: Promise<void>;
  subscribers: number;
  policy: 'continue' | 'cancel';
  grace?: NodeJS.Timeout;
}

/**
 * The runs this instance executes, and the way to every run's log wherever it runs. Knows nothing of HTTP:
 * transports attach as subscribers and read logs.
 */
export class RunRegistry extends EventEmitter<{
  subscribers: [runId: string, count: number];
  /** A run began on this instance; its log holds every event it appends, from the first. */
  started: [run: Run];
}> {
  /** This process: the owner recorded on its runs and renewed in their leases. */
  readonly instanceId = randomUUID();
  readonly #active = new Map<RunId, Active>();
  readonly #timers: NodeJS.Timeout[] = [];
  /** Subscribers on this instance per run (any run, whichever instance executes it). */
  readonly #subscribers = new Map<string, number>();
  #closed = false;

  constructor(private readonly o: RunRegistryOptions) {
    super();
    o.backend.onCancel((runId) =>
      this.#active.get(runId as RunId)?.run.abort(new Error('cancelled on request')),
    );
  }

  get leaseMs(): number {
    return this.o.leaseMs;
  }

  /** Renews this instance's leases and sweeps for runs of dead instances, until `close()`. */
  startMaintenance(): void {
    const renew = setInterval(
      () => {
        if (this.#active.size > 0)
          this.o.store
            .renewLeases(this.instanceId, this.o.leaseMs)
            .catch((err) => this.o.log.error({ err }, 'lease renewal failed'));
      },
      Math.max(100, Math.floor(this.o.leaseMs / 3)),
    );
    const sweep = setInterval(() => void this.sweep(), this.o.sweepMs);
    renew.unref();
    sweep.unref();
    this.#timers.push(renew, sweep);
    void this.sweep();
  }

  /**
   * Marks runs whose instance died (lease ran out) as interrupted: their message keeps its text and every
   * reader of their log gets `run_interrupted` instead of waiting forever.
   */
  async sweep(): Promise<number> {
    try {
      const expired = await this.o.store.claimExpired();
      for (const run of expired) {
        const text = await this.o.backend.interrupt(run.id, {
          type: 'error',
          code: 'run_interrupted',
          message:
            'The server running this answer stopped before it finished. What was generated so far is saved.',
          retryable: true,
        });
        await this.o.store.interruptMessage(run.message_id, text || undefined);
        this.o.log.warn({ runId: run.id }, 'run interrupted: its instance stopped renewing its lease');
      }
      return expired.length;
    } catch (err) {
      this.o.log.error({ err }, 'sweep for interrupted runs failed');
      return 0;
    }
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
    policy: 'continue' | 'cancel' = 'continue',
  ): Run {
    const controller = new AbortController();
    const run: Run = {
      id,
      log: this.o.backend.createLog(id),
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
    };
    const settled = work(run)
      .catch((error: unknown) => onCrash(error, run))
      .then(() => this.#finish(run))
      .finally(() => {
        clearTimeout(this.#active.get(id)?.grace);
        this.#active.delete(id);
        this.o.backend.retain(id);
      });
    this.#active.set(id, { run, settled, subscribers: 0, policy });
    this.emit('started', run);
    return run;
  }

  async #finish(run: Run): Promise<void> {
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

  /**
   * Records a subscriber of `id` until the returned function is called. A run of this instance is cancelled
   * once it has had no subscriber, here or on any instance, for the grace period (unless it ends first).
   */
  subscribe(id: string): () => void {
    const active = this.#active.get(id as RunId);
    const touch = () => void this.o.backend.touch(id).catch(() => {});
    touch();
    // Other instances learn of this subscriber through the backend; refreshed while it reads.
    const refresh = setInterval(touch, Math.max(100, Math.floor(this.o.graceMs / 3)));
    refresh.unref();
    this.#count(id, +1);
    if (active) {
      active.subscribers++;
      clearTimeout(active.grace);
      active.grace = undefined;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(refresh);
      this.#count(id, -1);
      touch();
      if (!active || this.#active.get(id as RunId) !== active) return;
      active.subscribers--;
      if (active.subscribers === 0) this.#armGrace(active);
    };
  }

  /** How many subscribers read `id` on this instance now. */
  subscriberCount(id: string): number {
    return this.#subscribers.get(id) ?? 0;
  }

  #count(id: string, delta: number): void {
    const n = (this.#subscribers.get(id) ?? 0) + delta;
    if (n > 0) this.#subscribers.set(id, n);
    else this.#subscribers.delete(id);
    this.emit('subscribers', id, n);
  }

  /** The first subscriber left: a `cancel` run stops now, a `continue` run after the grace period. */
  #armGrace(active: Active): void {
    if (active.policy === 'cancel') {
      active.run.abort(new Error('client disconnected'));
      return;
    }
    clearTimeout(active.grace);
    active.grace = setTimeout(async () => {
      active.grace = undefined;
      if (active.subscribers > 0 || active.run.signal.aborted) return;
      const seen = await this.o.backend.lastSeen(active.run.id).catch(() => undefined);
      if (seen !== undefined && Date.now() - seen < this.o.graceMs) {
        this.#armGrace(active);
        return;
      }
      active.run.abort(new Error('no subscriber for the grace period'));
    }, this.o.graceMs);
  }

  /** Stops a run wherever it runs. */
  async cancel(id: string): Promise<void> {
    const local = this.#active.get(id as RunId);
    if (local) local.run.abort(new Error('cancelled on request'));
    else await this.o.backend.requestCancel(id);
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

  /**
   * Shutdown: waits up to `deadlineMs` for running runs to finish, then stops the rest as interrupted
   * (their partial answers stored, their readers told `run_interrupted`).
   */
  async finishOrInterrupt(deadlineMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([this.drain(), deadline]);
    clearTimeout(timer);
    for (const { run } of this.#active.values()) run.abort(new RunInterruptedError('server shut down'));
    await this.drain();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    // Runs end as cancelled (their partial answers stored) rather than holding the shutdown open.
    for (const { run } of this.#active.values()) run.abort(new Error('server shutting down'));
    await this.drain();
    await this.o.backend.close();
  }
}
