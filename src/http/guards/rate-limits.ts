import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { App } from '../app-context.js';
import { problem, sendProblem } from '../problem.js';

/** A budget of requests per user and minute; each route spends one. */
export type RateLimitGroup = 'chat' | 'documents' | 'default';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The budget the route spends; unset: by method and path (see `rateLimitGroupOf`). */
    rateLimitGroup?: RateLimitGroup;
  }
}

const WINDOW_SECONDS = 60;

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

/**
 * Limits each user's requests per route group with @fastify/rate-limit's fixed window, counted in Redis when
 * `REDIS_URL` is set (so the budget holds across instances), else in process. Applied in `preHandler`, after
 * auth has set `request.userId`. Responses carry `X-RateLimit-Limit/Remaining/Reset` and the IETF
 * `RateLimit-Policy` / `RateLimit` fields; an exhausted budget answers 429 `rate_limited` with `Retry-After`.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */
export async function registerRateLimits(
  app: App,
  config: Pick<Config, 'rateLimits' | 'redisUrl' | 'redisPrefix'>,
  onLimited: (group: RateLimitGroup) => void,
): Promise<void> {
  const limits: Record<RateLimitGroup, number> = {
    chat: config.rateLimits.chatPerMin,
    documents: config.rateLimits.documentsPerMin,
    default: config.rateLimits.defaultPerMin,
  };
  const redis = config.redisUrl ? await connect(app, config.redisUrl) : undefined;
  await app.register(fastifyRateLimit, {
    // No route gets the plugin's own hook: the one below applies the limiter, so it decides the headers.
    global: false,
    timeWindow: WINDOW_SECONDS * 1000,
    max: (request) => limits[rateLimitGroupOf(request) ?? 'default'],
    keyGenerator: (request) => `${rateLimitGroupOf(request)}:${request.userId}`,
    ...(redis ? { redis, nameSpace: `${config.redisPrefix}ratelimit:` } : {}),
  });
  const limit = app.createRateLimit();

  app.addHook('preHandler', async (request, reply) => {
    const group = rateLimitGroupOf(request);
    if (!group) return;
    let state: Awaited<ReturnType<typeof limit>>;
    try {
      state = await limit(request);
    } catch (err) {
      // A limiter that cannot count (Redis down) lets requests through rather than failing every one.
      request.log.error({ err }, 'rate limit store failed; request not limited');
      return;
    }
    if (state.isAllowed) return;
    setHeaders(reply, group, state.max, state.remaining, state.ttlInSeconds);
    if (!state.isExceeded) return;
    onLimited(group);
    reply.header('retry-after', String(state.ttlInSeconds));
    return sendProblem(reply, {
      ...problem(
        429,
        'rate_limited',
        `At most ${state.max} ${group === 'default' ? '' : `${group} `}request${state.max === 1 ? '' : 's'} a minute; try again in ${state.ttlInSeconds} s.`,
        request.url.split('?')[0],
      ),
      title: 'Too Many Requests',
    });
  });
}

function setHeaders(
  reply: FastifyReply,
  group: RateLimitGroup,
  max: number,
  remaining: number,
  reset: number,
) {
  reply.header('x-ratelimit-limit', String(max));
  reply.header('x-ratelimit-remaining', String(remaining));
  reply.header('x-ratelimit-reset', String(reset));
  // Structured-field lists naming the policy: quota and window, then what is left and when it refills.
  reply.header('ratelimit-policy', `"${group}";q=${max};w=${WINDOW_SECONDS}`);
  reply.header('ratelimit', `"${group}";r=${remaining};t=${reset}`);
}

async function connect(app: App, url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', (err) => app.log.error({ err }, 'redis error (rate limits)'));
  await redis.connect();
  app.addHook('onClose', async () => {
    await redis.quit();
  });
  return redis;
}
