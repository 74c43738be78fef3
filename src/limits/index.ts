export { RateLimitedError } from './rate-limited-error.js';
export { MemoryRateLimiter, type RateLimiter, type RateWindow, WINDOW_MS } from './rate-limiter.js';
export { RedisRateLimiter } from './redis-rate-limiter.js';
