import type { RunEvent } from '../protocol/index.js';
import type { RunLog } from './run-log.js';

/**
 * Where run logs live and how instances tell each other about runs: in this process, or in Redis so
 * that any instance can serve a resume or a cancel. Both implementations behave the same on one instance.
 */
export interface RunBackend {
  readonly kind: 'memory' | 'redis';
  /** A new log for a run this instance executes. */
  createLog(runId: string): RunLog;
  /** A run's log for reading, wherever it runs; undefined when unknown here or expired. */
  openLog(runId: string): Promise<RunLog | undefined>;
  /** The run ended: keep its log readable for the retention period, then let it go. */
  retain(runId: string): void;
  /**
   * Appends a terminal event to a run whose owner is gone (its lease ran out), so readers end instead of
   * waiting; returns the text its `token` events carried, when the log is still there.
   */
  interrupt(runId: string, event: RunEvent): Promise<string | undefined>;
  /** Asks whichever instance runs `runId` to cancel it. */
  requestCancel(runId: string): Promise<void>;
  /** Called here when any instance asks for a cancel. */
  onCancel(handler: (runId: string) => void): void;
  /**
   * Called when a run of this instance must stop because its events cannot be written (the outage limit passed;
   * what it appended is still written when the store answers again).
   */
  onLost(handler: (runId: string, error: Error) => void): void;
  /** A subscriber somewhere is reading `runId` (refreshed while it reads). */
  touch(runId: string): Promise<void>;
  /** When a subscriber anywhere last touched `runId` (epoch ms), if it did. */
  lastSeen(runId: string): Promise<number | undefined>;
  /** Resolves when the backend answers; rejects with `RunLogUnavailableError` when it does not (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
