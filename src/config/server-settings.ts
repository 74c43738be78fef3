import { z } from 'zod';
import { commaList, envSection, int } from './env-section.js';

/** The HTTP server: where it listens, what it logs, what it accepts, how it stops. */
export const serverSettings = envSection('', {
  /** @default 8000 */
  PORT: int(0, 65_535).default(8000),
  /** @default 127.0.0.1 */
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body. @default 1048576 */
  BODY_LIMIT_BYTES: int(1_024, 100 * 1024 * 1024).default(1024 * 1024),
  /** Origins allowed by CORS, comma-separated; unset: no cross-origin access. `*` is refused with credentials. */
  CORS_ORIGINS: commaList(),
  /** How long SIGTERM waits for running runs before storing them interrupted. @default 10000 */
  SHUTDOWN_DEADLINE_MS: int(0, 600_000).default(10_000),
  /**
   * How long SIGTERM keeps serving with `/ready` at 503 before it closes anything, so a load balancer's health
   * check takes the instance out first. @default 2000
   */
  SHUTDOWN_DRAIN_MS: int(0, 600_000).default(2_000),
});
export type ServerSettings = z.infer<typeof serverSettings>;
