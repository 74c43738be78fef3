import { setTimeout as delay } from 'node:timers/promises';
import { APICallError, type LanguageModelV3, type LanguageModelV3CallOptions } from '@ai-sdk/provider';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { isRetryableBeforeFirstToken, ModelTimeoutError } from './classify-error.js';

export interface ModelCallPolicy {
  /** @default 2 */
  maxRetries: number;
  /** @default 500 */
  retryBaseMs: number;
  /** @default 8000 */
  retryMaxMs: number;
  /** Longest a whole model call may take; 0: no cap (the idle timeout guards a stalled model). @default 0 */
  timeoutMs: number;
  /** @default 30000 */
  idleTimeoutMs: number;
}

/**
 * Streams the model's parts to `onPart`, with the failure policy around them: a call that fails with a
 * retryable error before its first token is tried again after a bounded backoff; every wait for the next part
 * has a deadline (a stalled model), and so has the whole call when a total cap is configured. Aborting `signal`
 * (the run's) closes the upstream request at once. Each part is handed over as it is read, with no promise of
 * its own and no timer touched: the idle clock only notes the time, and its one timer looks at that when it
 * fires. Throws the run's abort reason when cancelled, ModelTimeoutError on a timeout, else the model's error.
 */
export async function streamModel(
  model: LanguageModelV3,
  options: Omit<LanguageModelV3CallOptions, 'abortSignal'>,
  runSignal: AbortSignal,
  policy: ModelCallPolicy,
  onPart: (part: LanguageModelV3StreamPart) => void,
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
): Promise<void> {
  // One signal for the call: the run's abort, or a deadline.
  const call = new AbortController();
  const signal = call.signal;
  const onRunAbort = () => call.abort(runSignal.reason);
  runSignal.addEventListener('abort', onRunAbort, { once: true });
  if (runSignal.aborted) onRunAbort();
  const deadline = new Deadline(policy.timeoutMs, policy.idleTimeoutMs, (error) => call.abort(error));
  try {
    for (let attempt = 0; ; attempt++) {
      let sentText = false;
      try {
        const { stream } = await model.doStream({ ...options, abortSignal: signal });
        const reader = stream.getReader();
        // A model that ignores its signal must not hold the run: cancelling the reader ends `read()`.
        const stop = () => void reader.cancel(signal.reason).catch(() => {});
        signal.addEventListener('abort', stop, { once: true });
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            deadline.touch();
            if (value.type === 'error') throw value.error;
            if (value.type === 'text-delta') sentText = true;
            onPart(value);
          }
        } finally {
          signal.removeEventListener('abort', stop);
          reader.releaseLock();
        }
        throwIfStopped(runSignal, deadline);
        return;
      } catch (error) {
        throwIfStopped(runSignal, deadline);
        if (sentText || attempt >= policy.maxRetries || !isRetryableBeforeFirstToken(error)) throw error;
        const delay = retryDelay(attempt, error, policy);
        onRetry?.(attempt + 1, delay, error);
        await sleep(delay, signal);
        throwIfStopped(runSignal, deadline);
        deadline.touch();
      }
    }
  } finally {
    deadline.clear();
    runSignal.removeEventListener('abort', onRunAbort);
  }
}

function throwIfStopped(runSignal: AbortSignal, deadline: Deadline): void {
  runSignal.throwIfAborted();
  if (deadline.expired) throw new ModelTimeoutError(deadline.expired);
}

/** Retry-After when the upstream sends one, else exponential backoff with jitter; never above the cap. */
export function retryDelay(attempt: number, error: unknown, policy: ModelCallPolicy): number {
  const headers = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  const afterMs = Number(headers?.['retry-after-ms']);
  const afterS = Number(headers?.['retry-after']);
  if (headers?.['retry-after-ms'] !== undefined && Number.isFinite(afterMs))
    return Math.min(afterMs, policy.retryMaxMs);
  if (headers?.['retry-after'] !== undefined && Number.isFinite(afterS))
    return Math.min(afterS * 1000, policy.retryMaxMs);
  const exponential = policy.retryBaseMs * 2 ** attempt;
  return Math.round(Math.min(exponential, policy.retryMaxMs) * (0.5 + Math.random() / 2));
}

/**
 * Calls `expire` when the idle time runs out (nothing arrived for that long), or the total time when it is set
 * (0: no cap). A part arriving only notes the time; the idle timer, when it fires, sleeps again for what is
 * left if something arrived meanwhile.
 */
class Deadline {
  readonly #total: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout;
  #lastAt = Date.now();
  expired: 'total' | 'idle' | undefined;

  constructor(
    totalMs: number,
    private readonly idleMs: number,
    private readonly expire: (error: ModelTimeoutError) => void,
  ) {
    this.#total = totalMs > 0 ? setTimeout(() => this.#expire('total'), totalMs) : undefined;
    this.#idle = setTimeout(() => this.#checkIdle(), idleMs);
  }

  /** Something arrived: the idle clock starts again. */
  touch(): void {
    this.#lastAt = Date.now();
  }

  clear(): void {
    clearTimeout(this.#total);
    clearTimeout(this.#idle);
  }

  #checkIdle(): void {
    const left = this.#lastAt + this.idleMs - Date.now();
    if (left > 0) this.#idle = setTimeout(() => this.#checkIdle(), left);
    else this.#expire('idle');
  }

  #expire(kind: 'total' | 'idle'): void {
    this.expired ??= kind;
    this.expire(new ModelTimeoutError(kind));
  }
}

/** Waits `ms`, or less when `signal` aborts (the caller checks why it woke). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return delay(ms, undefined, { signal }).catch(() => {});
}
