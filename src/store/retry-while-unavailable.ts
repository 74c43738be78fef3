import { DatabaseUnavailableError } from './database-unavailable-error.js';

/** Waits between attempts: short at first, then at most the last. */
const RETRY_MS = [100, 250, 500, 1_000, 2_000];

/**
 * `work`, tried again while the database does not answer (`DatabaseUnavailableError`), for up to `limitMs`;
 * any other error, or the outage outlasting the limit, is thrown. For what must not be lost: an answer's save.
 */
export async function retryWhileUnavailable<T>(
  work: () => Promise<T>,
  limitMs: number,
  onRetry?: (error: DatabaseUnavailableError, attempt: number) => void,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError) || Date.now() - started >= limitMs) throw error;
      onRetry?.(error, attempt);
      const wait = RETRY_MS[Math.min(attempt - 1, RETRY_MS.length - 1)] as number;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
