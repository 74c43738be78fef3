import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter, RateLimitedError, type RateLimiter } from '../limits/index.js';
import { ChatBudget } from './chat-budget.js';

describe('ChatBudget', () => {
  it('spends one chat of the user’s minute per turn and refuses the turn past it, per user', async () => {
    let limited = 0;
    const budget = new ChatBudget({
      limiter: new MemoryRateLimiter(),
      perMinute: 2,
      maxConcurrentRuns: 3,
      onLimited: () => limited++,
      log: { error: () => {} },
    });
    expect(await budget.charge('alice')).toMatchObject({ remaining: 1, limit: 2 });
    expect(await budget.charge('alice')).toMatchObject({ remaining: 0 });
    const refused = await budget.charge('alice').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ kind: 'rate_limited', code: 'rate_limited', group: 'chat' });
    expect(limited).toBe(1);
    expect(await budget.charge('bob')).toMatchObject({ remaining: 1 });
  });

  it('lets a chat through, and logs why, when its store cannot count', async () => {
    const errors: string[] = [];
    const down: RateLimiter = {
      take: () => Promise.reject(new Error('connection refused')),
      close: async () => {},
    };
    const budget = new ChatBudget({
      limiter: down,
      perMinute: 1,
      maxConcurrentRuns: 3,
      log: { error: (_details, message) => errors.push(message) },
    });
    expect(await budget.charge('alice')).toBeUndefined();
    expect(errors).toEqual(['rate limit store failed; chat not limited']);
  });
});
