import type { Redis } from 'ioredis';
import { connectRedis, RedisNotReadyError } from '../store/index.js';
import { type RateLimiter, type RateWindow, WINDOW_MS, windowOf } from './rate-limiter.js';

// Count and window start in one step: the first request of a window sets its expiry.
const TAKE = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** Windows counted in Redis: every instance sharing the Redis shares each user's budget. */
export class RedisRateLimiter implements RateLimiter {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {}

  static async connect(o: {
    url: string;
    /** Key prefix, so deployments (or tests) sharing a Redis stay apart. */
    prefix: string;
    onError: (error: unknown) => void;
    windowMs?: number;
  }): Promise<RedisRateLimiter> {
    const redis = await connectRedis(o.url, o.onError);
    return new RedisRateLimiter(redis, `${o.prefix}ratelimit:`, o.windowMs ?? WINDOW_MS);
  }

  async take(key: string, limit: number): Promise<RateWindow> {
    // Every request passes here: while Redis is away, say so at once rather than queue for the reconnect.
    if (this.redis.status !== 'ready') throw new RedisNotReadyError(this.redis.status);
    const [count, ttl] = (await this.redis.eval(TAKE, 1, this.prefix + key, this.windowMs)) as [
      number,
      number,
    ];
    return windowOf(count, limit, ttl);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
