import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { RedisRunBackend, type RedisRunBackendOptions } from './redis-run-backend.js';
import { runBackendContract } from './run-backend.contract.js';

const { REDIS_URL } = process.env;

describe.skipIf(!REDIS_URL)('on Redis', () => {
  // A prefix of its own, so test files running in parallel on one Redis never see each other's runs.
  const prefix = `sf-test-${randomBytes(6).toString('hex')}:`;

  afterAll(async () => {
    const redis = new Redis(REDIS_URL ?? '');
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });

  runBackendContract('RedisRunBackend', async ({ retentionMs }) => {
    const errors: unknown[] = [];
    const options: RedisRunBackendOptions = {
      url: REDIS_URL ?? '',
      prefix,
      retentionMs,
      maxRunMs: 60_000,
      maxEvents: 100_000,
      onError: (error) => errors.push(error),
    };
    const owner = await RedisRunBackend.connect(options);
    let other: RedisRunBackend;
    try {
      other = await RedisRunBackend.connect(options);
    } catch (error) {
      await owner.close();
      throw error;
    }
    return {
      owner,
      other,
      close: async () => {
        await Promise.all([owner.close(), other.close()]);
        // Failed writes only reach onError; a test whose backend reported one did not pass.
        if (errors.length > 0) throw new AggregateError(errors, 'the Redis run backend reported errors');
      },
    };
  });
});
