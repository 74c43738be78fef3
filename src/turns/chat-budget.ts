import { RateLimitedError, type RateLimiter, type RateWindow } from '../limits/index.js';

export interface ChatBudgetOptions {
  limiter: RateLimiter;
  /** Chats one user may start per minute, over every transport. */
  perMinute: number;
  /** Runs one user may have running at once, on every instance (checked when the turn is admitted). */
  maxConcurrentRuns: number;
  /** Told of every chat refused for the budget (the metrics count them). */
  onLimited?: () => void;
  log: { error(details: Record<string, unknown>, message: string): void };
}

/**
 * What one user may spend on answers, whichever transport asks: chats per minute (charged here, counted in
 * Redis when instances share one) and runs at once (checked in the same statement that admits the turn).
 */
export class ChatBudget {
  constructor(private readonly o: ChatBudgetOptions) {}

  get maxConcurrentRuns(): number {
    return this.o.maxConcurrentRuns;
  }

  /**
   * Spends one chat of the user's minute, or throws `RateLimitedError` when the minute's budget is spent.
   * Undefined when the count could not be taken (its store is down): the chat goes through rather than every
   * chat failing.
   */
  async charge(userId: string): Promise<RateWindow | undefined> {
    let window: RateWindow;
    try {
      window = await this.o.limiter.take(`chat:${userId}`, this.o.perMinute);
    } catch (err) {
      this.o.log.error({ err }, 'rate limit store failed; chat not limited');
      return undefined;
    }
    if (!window.allowed) {
      this.o.onLimited?.();
      throw new RateLimitedError('chat', window);
    }
    return window;
  }
}
