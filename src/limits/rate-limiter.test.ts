import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** The same behaviour, whichever store counts. */
function rateLimiterContract(name: string, open: (windowMs: number) => Promise<RateLimiter>) {
  describe(`${name} rate limiter`, () => {
    let limiter: RateLimiter;
    beforeAll(async () => {
      limiter = await open(60_000);
    });
    afterAll(() => limiter?.close());

    it('lets `limit` requests of a key through in a window, then refuses the rest of it', async () => {
      const key = `k-${randomBytes(4).toString('hex')}`;
      const windows = [];
      for (let i = 0; i < 4; i++) windows.push(await limiter.take(key, 3));
      expect(windows.map((w) => [w.allowed, w.remaining, w.limit])).toEqual([
        [true, 2, 3],
        [true, 1, 3],
        [true, 0, 3],
        [false, 0, 3],
      ]);
      for (const w of windows) {
        expect(w.resetSeconds).toBeGreaterThan(0);
        expect(w.resetSeconds).toBeLessThanOrEqual(60);
      }
    });

    it('keeps keys apart', async () => {
      const a = `a-${randomBytes(4).toString('hex')}`;
      await limiter.take(a, 1);
      expect((await limiter.take(a, 1)).allowed).toBe(false);
      expect((await limiter.take(`b-${randomBytes(4).toString('hex')}`, 1)).allowed).toBe(true);
    });

    it('starts a new window once the old one ends', async () => {
      const short = await open(200);
      try {
        const key = `w-${randomBytes(4).toString('hex')}`;
        expect((await short.take(key, 1)).allowed).toBe(true);
        expect((await short.take(key, 1)).allowed).toBe(false);
        // Wait for the window to end, as long as it takes on a busy machine.
        const until = Date.now() + 10_000;
        let again = await short.take(key, 1);
        while (!again.allowed && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          again = await short.take(key, 1);
        }
        expect(again.allowed).toBe(true);
      } finally {
        await short.close();
      }
    });
  });
}

rateLimiterContract('memory', async (windowMs) => new MemoryRateLimiter(windowMs));

const redisUrl = process.env.REDIS_URL;
describe.skipIf(!redisUrl)('with REDIS_URL', () => {
  const prefix = `sf-test-${randomBytes(4).toString('hex')}:`;
  rateLimiterContract('Redis', (windowMs) =>
    RedisRateLimiter.connect({ url: redisUrl ?? '', prefix, windowMs, onError: () => {} }),
  );
});
