import type { RunEvent } from '../protocol/index.js';
import { InMemoryRunLog } from './in-memory-run-log.js';
import type { RunBackend } from './run-backend.js';
import type { RunLog } from './run-log.js';

/** Run logs in this process: one instance, nothing to set up. */
export class MemoryRunBackend implements RunBackend {
  readonly kind = 'memory';
  readonly #logs = new Map<string, { log: InMemoryRunLog; expiry?: NodeJS.Timeout }>();
  readonly #seen = new Map<string, number>();
  readonly #cancelHandlers: ((runId: string) => void)[] = [];

  constructor(private readonly retentionMs: number) {}

  createLog(runId: string): RunLog {
    const log = new InMemoryRunLog();
    this.#logs.set(runId, { log });
    return log;
  }

  async openLog(runId: string): Promise<RunLog | undefined> {
    return this.#logs.get(runId)?.log;
  }

  retain(runId: string): void {
    const entry = this.#logs.get(runId);
    if (!entry) return;
    clearTimeout(entry.expiry);
    entry.expiry = setTimeout(() => {
      this.#logs.delete(runId);
      this.#seen.delete(runId);
    }, this.retentionMs);
    // Retention must not keep a process alive that is otherwise done.
    entry.expiry.unref();
  }

  async interrupt(runId: string, event: RunEvent): Promise<string | undefined> {
    const log = this.#logs.get(runId)?.log;
    if (!log) return undefined;
    if (!log.ended) log.append(event);
    let text = '';
    for await (const batch of log.read(0)) {
      for (const e of batch) if (e.type === 'token') text += (JSON.parse(e.data) as { delta: string }).delta;
    }
    return text;
  }

  async requestCancel(runId: string): Promise<void> {
    for (const handler of this.#cancelHandlers) handler(runId);
  }

  onCancel(handler: (runId: string) => void): void {
    this.#cancelHandlers.push(handler);
  }

  /** A log in this process is never lost. */
  onLost(): void {}

  async touch(runId: string): Promise<void> {
    this.#seen.set(runId, Date.now());
  }

  async lastSeen(runId: string): Promise<number | undefined> {
    return this.#seen.get(runId);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    for (const entry of this.#logs.values()) clearTimeout(entry.expiry);
    this.#logs.clear();
  }
}
