import type { z } from 'zod';
import { envSection, int } from './env-section.js';

/** How a run reaches its clients: keep-alive, reconnect hint, and the limit on a client that cannot keep up. */
export const deliverySettings = envSection('SSE_', {
  /** Interval of `: ping` comment lines on open event streams (and of WebSocket pings). @default 15000 */
  SSE_KEEPALIVE_MS: int(1_000, 600_000).default(15_000),
  /** `retry:` sent to resuming EventSource clients: how soon they reconnect after a drop. @default 1000 */
  SSE_RETRY_MS: int(0, 600_000).default(1_000),
  /** A subscriber whose socket stays full this long is disconnected (it resumes from where it was). @default 30000 */
  SUBSCRIBER_STALL_MS: int(100, 600_000).default(30_000),
});
export type DeliverySettings = z.infer<typeof deliverySettings>;
