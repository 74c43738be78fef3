import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
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
      outageLimitMs: 30_000,
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

  it('writes each event-loop turn of a run as one stream entry named by its last event id, and announces it once', async () => {
    const backend = await RedisRunBackend.connect({
      url: REDIS_URL ?? '',
      prefix,
      retentionMs: 60_000,
      maxRunMs: 60_000,
      maxEvents: 100_000,
      outageLimitMs: 30_000,
      onError: (error) => {
        throw error;
      },
    });
    const redis = new Redis(REDIS_URL ?? '');
    const announced: string[] = [];
    try {
      await redis.subscribe(`${prefix}runs:events`);
      redis.on('message', (_channel: string, runId: string) => announced.push(runId));
      const log = backend.createLog('batched');
      const reader = new Redis(REDIS_URL ?? '');
      const entries = async () =>
        (await reader.xrange(`${prefix}run:batched:events`, '-', '+')).map(([id, fields]) => [
          id,
          fields[1]?.split('\n').length,
        ]);
      try {
        for (let i = 0; i < 5; i++) log.append({ type: 'token', delta: `t${i}` });
        await until(async () => (await entries()).length === 1);
        log.append({ type: 'token', delta: 'late' });
        await until(async () => (await entries()).length === 2);
        expect(await entries()).toEqual([
          ['0-5', 5],
          ['0-6', 1],
        ]);
        await until(async () => announced.length === 2);
        expect(announced).toEqual(['batched', 'batched']);
      } finally {
        reader.disconnect();
      }
    } finally {
      redis.disconnect();
      await backend.close();
    }
  });
});

/** Resolves once `check` holds, looking again on every event-loop turn. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setImmediate(resolve));
}
