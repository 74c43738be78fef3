import { Redis } from 'ioredis';

/**
 * How long one Redis command may take before it counts as failed. ioredis keeps a command queued while it
 * reconnects; a connection that is accepted and then dropped (a proxy or load balancer in front of a Redis
 * that is gone) would otherwise hold every caller forever.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 5_000;

/** A Redis connection as StreamForge uses them: connected before use, commands bounded in retries and time. */
export async function connectRedis(url: string, onError: (error: unknown) => void): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  });
  redis.on('error', onError);
  await redis.connect();
  return redis;
}

/** Thrown instead of queueing a command while the connection is not ready: callers learn at once. */
export class RedisNotReadyError extends Error {
  constructor(status: string) {
    super(`Redis is not connected (${status})`);
    this.name = 'RedisNotReadyError';
  }
}
