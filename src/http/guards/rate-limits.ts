import type { FastifyRequest } from 'fastify';
import { RateLimitedError, type RateLimiter } from '../../limits/index.js';
import type { App } from '../app.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';

/** A budget of requests per user and minute; each route spends one. */
export type RateLimitGroup = 'chat' | 'documents' | 'default';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The budget the route spends; unset: by method and path (see `rateLimitGroupOf`). */
    rateLimitGroup?: RateLimitGroup;
  }
}

/**
 * The budget a request spends: its route's `rateLimitGroup`, else `chat` for POST /v1/chat, `documents` for
 * uploads and search, `default` for the rest of /v1. Undefined (never limited) outside /v1: health checks,
 * metrics, docs.
 */
export function rateLimitGroupOf(request: FastifyRequest): RateLimitGroup | undefined {
  const { url, config } = request.routeOptions;
  if (config.rateLimitGroup) return config.rateLimitGroup;
  if (!url?.startsWith('/v1/')) return undefined;
  if (request.method === 'POST' && url === '/v1/chat') return 'chat';
  if (request.method === 'POST' && (url === '/v1/documents' || url === '/v1/search')) return 'documents';
  return 'default';
}

export interface RateLimitsOptions {
  limiter: RateLimiter;
  /** Requests per minute per user, by group. `chat` is spent by the turn itself, on every transport. */
  perMinute: { documents: number; default: number };
  /** Told of every request refused for its budget (the metrics count them). */
  onLimited?: (group: RateLimitGroup) => void;
}

/**
 * Limits each user's requests per route group in fixed one-minute windows (in Redis when instances share one),
 * in `preHandler`, after auth has set `request.userId`. Chat routes are not counted here: starting a turn
 * spends the chat budget, whichever transport starts it. Responses carry the rate-limit headers; a spent
 * budget is 429 `rate_limited` with `Retry-After`.
 */
export function registerRateLimits(app: App, o: RateLimitsOptions): void {
  app.addHook('preHandler', async (request, reply) => {
    const group = rateLimitGroupOf(request);
    if (!group || group === 'chat') return;
    let window;
    try {
      window = await o.limiter.take(`${group}:${request.userId}`, o.perMinute[group]);
    } catch (err) {
      // A limiter that cannot count (Redis down) lets requests through rather than failing every one.
      request.log.error({ err }, 'rate limit store failed; request not limited');
      return;
    }
    setRateLimitHeaders(reply, group, window);
    if (!window.allowed) {
      o.onLimited?.(group);
      throw new RateLimitedError(group, window);
    }
  });
}
