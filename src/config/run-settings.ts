import type { z } from 'zod';
import { envSection, int } from './env-section.js';

/** A run's life: how long its events are kept, when it is given up, how instances watch each other. */
export const runSettings = envSection('RUN_', {
  /** How long a finished run's events stay readable for resumes. @default 600000 (10 minutes) */
  RUN_RETENTION_MS: int(1_000, 7 * 24 * 3_600_000).default(600_000),
  /** A `continue` run with no subscriber for this long is cancelled. @default 30000 */
  RUN_GRACE_MS: int(100, 3_600_000).default(30_000),
  /** How long an instance's claim on its runs lasts unrenewed; a dead instance's runs are interrupted after it. @default 15000 */
  RUN_LEASE_MS: int(300, 600_000).default(15_000),
  /** How often instances look for runs of dead instances. @default 5000 */
  RUN_SWEEP_MS: int(100, 600_000).default(5_000),
  /** How often a running answer's text is saved (what a crash can lose at most). @default 2000 */
  RUN_CHECKPOINT_MS: int(100, 600_000).default(2_000),
  /**
   * How long a run may go on while its events cannot be written to the run log (Redis); after this it is stopped
   * with an error. Its events are still written, in order, when Redis answers again. @default 30000
   */
  RUN_LOG_OUTAGE_MS: int(1_000, 3_600_000).default(30_000),
  /**
   * How long the final save of an answer is retried while the database does not answer; after this the run
   * ends with an error (its events stay resumable for the retention). @default 300000
   */
  RUN_SAVE_RETRY_MS: int(1_000, 24 * 3_600_000).default(300_000),
});
export type RunSettings = z.infer<typeof runSettings>;
