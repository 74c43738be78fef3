import type { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_CHARS } from '../protocol/index.js';
import { envSection, int } from './env-section.js';

/** What one user may spend and send: per-minute budgets, concurrent runs, sizes. */
export const limitSettings = envSection('RATE_LIMIT_', {
  /** Chats per minute per user, over every transport (HTTP, WebSocket, Socket.IO). @default 30 (600 without auth) */
  RATE_LIMIT_CHAT_PER_MIN: int(1, 1_000_000).optional(),
  /** Requests per minute per user: document uploads and search. @default 60 */
  RATE_LIMIT_DOCUMENTS_PER_MIN: int(1, 1_000_000).default(60),
  /** Requests per minute per user: everything else under /v1. @default 600 */
  RATE_LIMIT_DEFAULT_PER_MIN: int(1, 1_000_000).default(600),
  /** Runs one user may have running at once. @default 3 (20 without auth) */
  MAX_CONCURRENT_RUNS_PER_USER: int(1, 10_000).optional(),
  /** Messages one conversation may hold. @default 1000 */
  MAX_MESSAGES_PER_CONVERSATION: int(2, 1_000_000).default(1_000),
  /** @default 32000 */
  MAX_MESSAGE_CHARS: int(1, 1_000_000).default(DEFAULT_MAX_MESSAGE_CHARS),
  /** Largest accepted uploaded file. @default 20971520 (20 MB) */
  MAX_UPLOAD_BYTES: int(1, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Files per upload request. @default 20 */
  MAX_FILES_PER_UPLOAD: int(1, 1000).default(20),
});
export type LimitSettings = Omit<z.infer<typeof limitSettings>, 'chatPerMin' | 'maxConcurrentRunsPerUser'> & {
  chatPerMin: number;
  maxConcurrentRunsPerUser: number;
};

/**
 * The per-user caps not set explicitly. Behind auth they guard a shared server from one user: 30 chats a
 * minute, 3 runs at once. Without auth (`AUTH_MODE=none`) every request is the one `local` user — one
 * person with a page and scripts — so the caps are those of a machine rather than of one user among many:
 * 600 chats a minute, 20 runs at once (five parallel completions from a script and the page fit).
 */
export function limitsFor(parsed: z.infer<typeof limitSettings>, authenticated: boolean): LimitSettings {
  return {
    ...parsed,
    chatPerMin: parsed.chatPerMin ?? (authenticated ? 30 : 600),
    maxConcurrentRunsPerUser: parsed.maxConcurrentRunsPerUser ?? (authenticated ? 3 : 20),
  };
}
