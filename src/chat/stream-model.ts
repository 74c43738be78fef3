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
  /** @default 120000 */
  timeoutMs: number;
  /** @default 30000 */
  idleTimeoutMs: number;
}

/**
 * The model's stream parts, with the failure policy around them: a call that fails with a retryable error
 * before its first token is tried again after a bounded backoff; the whole call has a deadline and so does
 * every wait for the next part. Aborting `signal` (the run's) closes the upstream request at once.
 * Throws the run's abort reason when cancelled, ModelTimeoutError on a timeout, else the model's error.
 */
export async function* streamModel(
  model: LanguageModelV3,
  options: Omit<LanguageModelV3CallOptions, 'abortSignal'>,
  runSignal: AbortSignal,
  policy: ModelCallPolicy,
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
): AsyncGenerator<LanguageModelV3StreamPart> {
  const deadline = new Deadline(policy.timeoutMs, policy.idleTimeoutMs);
  const signal = AbortSignal.any([runSignal, deadline.signal]);
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
            yield value;
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

/** Aborts its signal when the total time or the idle time runs out. */
class Deadline {
  readonly #controller = new AbortController();
  readonly #total: NodeJS.Timeout;
  readonly #idle: NodeJS.Timeout;
  expired: 'total' | 'idle' | undefined;

  constructor(totalMs: number, idleMs: number) {
    this.#total = setTimeout(() => this.#expire('total'), totalMs);
    this.#idle = setTimeout(() => this.#expire('idle'), idleMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Something arrived: the idle clock starts again (refresh re-arms the same timer, no allocation). */
  touch(): void {
    this.#idle.refresh();
  }

  clear(): void {
    clearTimeout(this.#total);
    clearTimeout(this.#idle);
  }

  #expire(kind: 'total' | 'idle'): void {
    this.expired ??= kind;
    this.#controller.abort(new ModelTimeoutError(kind));
  }
}

/** Waits `ms`, or less when `signal` aborts (the caller checks why it woke). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return delay(ms, undefined, { signal }).catch(() => {});
}
