/** One user's budget in one fixed window, after spending from it. */
export interface RateWindow {
  /** Requests the window allows. */
  limit: number;
  /** Requests left in the window (0 once spent). */
  remaining: number;
  /** Seconds until the window starts again. */
  resetSeconds: number;
  /** Whether this request fit in the window. */
  allowed: boolean;
}

/**
 * Counts requests per key in fixed windows: in this process, or in Redis so that instances behind one load
 * balancer share a budget. Both count the same way.
 */
export interface RateLimiter {
  /** Spends one request of `key`'s window, which allows `limit`. */
  take(key: string, limit: number): Promise<RateWindow>;
  close(): Promise<void>;
}

/** @default 60 seconds: budgets are per minute. */
export const WINDOW_MS = 60_000;

export function windowOf(count: number, limit: number, ttlMs: number): RateWindow {
  return {
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
    allowed: count <= limit,
  };
}

/** Windows counted in this process: one instance. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { count: number; endsAt: number }>();
  readonly #sweep: NodeJS.Timeout;

  constructor(private readonly windowMs = WINDOW_MS) {
    // Windows that ended are forgotten, so a key seen once does not stay in memory.
    this.#sweep = setInterval(() => {
      const now = Date.now();
      for (const [key, w] of this.#windows) if (w.endsAt <= now) this.#windows.delete(key);
    }, windowMs);
    this.#sweep.unref();
  }

  async take(key: string, limit: number): Promise<RateWindow> {
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || w.endsAt <= now) {
      w = { count: 0, endsAt: now + this.windowMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return windowOf(w.count, limit, w.endsAt - now);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
  }
}
