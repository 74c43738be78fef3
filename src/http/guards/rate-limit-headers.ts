import type { FastifyReply } from 'fastify';
import { type RateWindow, WINDOW_MS } from '../../limits/index.js';

/**
 * The budget a response spent, in `X-RateLimit-Limit/Remaining/Reset` and the IETF `RateLimit-Policy` /
 * `RateLimit` fields (structured-field lists naming the policy: quota and window, then what is left and when
 * it refills). Nothing when the budget could not be counted.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */
export function setRateLimitHeaders(
  reply: FastifyReply,
  group: string,
  window: RateWindow | undefined,
): void {
  if (!window) return;
  reply.header('x-ratelimit-limit', String(window.limit));
  reply.header('x-ratelimit-remaining', String(window.remaining));
  reply.header('x-ratelimit-reset', String(window.resetSeconds));
  reply.header('ratelimit-policy', `"${group}";q=${window.limit};w=${WINDOW_MS / 1000}`);
  reply.header('ratelimit', `"${group}";r=${window.remaining};t=${window.resetSeconds}`);
}
