import type { RunStore } from '../store/index.js';
import type { RunBackend } from './run-backend.js';
import type { RunRegistry } from './run-registry.js';

export interface RunLeasesOptions {
  backend: RunBackend;
  store: RunStore;
  runs: RunRegistry;
  /** How long this instance's claim on its runs lasts without renewal. @default 15000 */
  leaseMs: number;
  /** How often expired leases (dead instances) are looked for. @default 5000 */
  sweepMs: number;
  log: {
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
}

/**
 * This instance's claim on the runs it executes, renewed while they run, and the sweep that finds runs whose
 * instance died (their lease ran out): those are stored `interrupted` with the text their log holds, and
 * every reader of their log gets `run_interrupted` instead of waiting forever.
 */
export class RunLeases {
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: RunLeasesOptions) {}

  /** Renews this instance's leases and sweeps for runs of dead instances, until `stop()`. */
  start(): void {
    const renew = setInterval(
      () => {
        if (this.o.runs.size > 0)
          this.o.store
            .renewLeases(this.o.runs.instanceId, this.o.leaseMs)
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

  stop(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }

  /** Marks runs whose instance stopped renewing their lease as interrupted; returns how many. */
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
}
