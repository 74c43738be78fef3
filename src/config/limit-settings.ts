import type { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_CHARS } from '../protocol/index.js';
import { envSection, int } from './env-section.js';

/** What one user may spend and send: per-minute budgets, concurrent runs, sizes. */
export const limitSettings = envSection('RATE_LIMIT_', {
  /** Chats per minute per user, over every transport (HTTP, WebSocket, Socket.IO). @default 30 */
  RATE_LIMIT_CHAT_PER_MIN: int(1, 1_000_000).default(30),
  /** Requests per minute per user: document uploads and search. @default 60 */
  RATE_LIMIT_DOCUMENTS_PER_MIN: int(1, 1_000_000).default(60),
  /** Requests per minute per user: everything else under /v1. @default 600 */
  RATE_LIMIT_DEFAULT_PER_MIN: int(1, 1_000_000).default(600),
  /** Runs one user may have running at once. @default 3 */
  MAX_CONCURRENT_RUNS_PER_USER: int(1, 10_000).default(3),
  /** Messages one conversation may hold. @default 1000 */
  MAX_MESSAGES_PER_CONVERSATION: int(2, 1_000_000).default(1_000),
  /** @default 32000 */
  MAX_MESSAGE_CHARS: int(1, 1_000_000).default(DEFAULT_MAX_MESSAGE_CHARS),
  /** Largest accepted uploaded file. @default 20971520 (20 MB) */
  MAX_UPLOAD_BYTES: int(1, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Files per upload request. @default 20 */
  MAX_FILES_PER_UPLOAD: int(1, 1000).default(20),
});
export type LimitSettings = z.infer<typeof limitSettings>;
