import {
  APICallError,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelTimeoutError } from './classify-error.js';
import { retryDelay, streamModel } from './stream-model.js';

const policy = { maxRetries: 2, retryBaseMs: 0, retryMaxMs: 1000, timeoutMs: 60_000, idleTimeoutMs: 10_000 };
const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }];

type Step =
  { fail: unknown } | { parts: LanguageModelV3StreamPart[]; thenFail?: unknown; thenHang?: boolean };

/** A model whose successive calls follow `steps`. */
function modelOf(steps: Step[]): LanguageModelV3 & { calls: LanguageModelV3CallOptions[] } {
  const calls: LanguageModelV3CallOptions[] = [];
  return {
    specificationVersion: 'v3',
    provider: 'test',
    modelId: 'steps',
    supportedUrls: {},
    calls,
    doGenerate: () => Promise.reject(new Error('no')),
    async doStream(options) {
      calls.push(options);
      const step = steps[calls.length - 1];
      if (!step) throw new Error('no more steps');
      if ('fail' in step) throw step.fail;
      let i = 0;
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          async pull(controller) {
            if (i < step.parts.length)
              return controller.enqueue(step.parts[i++] as LanguageModelV3StreamPart);
            if (step.thenFail) return controller.error(step.thenFail);
            if (step.thenHang) return new Promise(() => {});
            controller.close();
          },
        }),
      };
    },
  };
}

const delta = (d: string): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta: d });
const apiError = (statusCode: number, headers: Record<string, string> = {}) =>
  new APICallError({
    message: 'upstream said no',
    url: 'http://127.0.0.1/v1',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
  });

/** Streams `model` and collects its text deltas; rejects as streamModel does. */
async function collect(
  model: LanguageModelV3,
  signal: AbortSignal = new AbortController().signal,
  o: { policy?: typeof policy; onRetry?: (attempt: number) => void; seen?: string[] } = {},
): Promise<string[]> {
  const out = o.seen ?? [];
  await streamModel(
    model,
    { prompt },
    signal,
    o.policy ?? policy,
    (p) => void (p.type === 'text-delta' && out.push(p.delta)),
    o.onRetry,
  );
  return out;
}

/** A model that sends a delta every `everyMs`, until cancelled. */
function pacedModel(everyMs: number): LanguageModelV3 {
  return {
    ...modelOf([]),
    async doStream() {
      let cancelled = false;
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          pull: (c) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                if (!cancelled) c.enqueue(delta('x'));
                resolve();
              }, everyMs),
            ),
          cancel: () => {
            cancelled = true;
          },
        }),
      };
    },
  };
}

describe('streamModel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries 429 and 5xx before the first token, then streams', async () => {
    const model = modelOf([{ fail: apiError(429) }, { fail: apiError(503) }, { parts: [delta('ok')] }]);
    const retries: number[] = [];
    const out = await collect(model, undefined, { onRetry: (n) => retries.push(n) });
    expect(out).toEqual(['ok']);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    const model = modelOf([{ fail: apiError(500) }, { fail: apiError(500) }, { fail: apiError(502) }]);
    await expect(collect(model)).rejects.toMatchObject({ statusCode: 502 });
    expect(model.calls).toHaveLength(3);
  });

  it('does not retry a client error, nor anything after the first token', async () => {
    const bad = modelOf([{ fail: apiError(400) }, { parts: [delta('never')] }]);
    await expect(collect(bad)).rejects.toMatchObject({ statusCode: 400 });
    expect(bad.calls).toHaveLength(1);

    const midway = modelOf([{ parts: [delta('a')], thenFail: apiError(503) }, { parts: [delta('b')] }]);
    const seen: string[] = [];
    await expect(collect(midway, undefined, { seen })).rejects.toMatchObject({ statusCode: 503 });
    expect(seen).toEqual(['a']);
    expect(midway.calls).toHaveLength(1);
  });

  it('fails with an idle timeout when the model stops sending, and aborts its request', async () => {
    vi.useFakeTimers();
    const model = modelOf([{ parts: [delta('a')], thenHang: true }]);
    const result = collect(model).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await result;
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect((error as ModelTimeoutError).kind).toBe('idle');
    expect(model.calls[0]?.abortSignal?.aborted).toBe(true);
  });

  it('keeps a slow stream that keeps producing: no total cap by default, only the idle clock', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    // A token every 6 s against a 10 s idle timeout, for 10 minutes: far past any whole-call limit.
    const seen: string[] = [];
    const result = collect(pacedModel(6000), stop.signal, {
      policy: { ...policy, timeoutMs: 0 },
      seen,
    }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(seen).toHaveLength(100);
    stop.abort(new Error('enough'));
    await vi.advanceTimersByTimeAsync(6000);
    expect(await result).toEqual(new Error('enough'));
  });

  it('fails with the total timeout, when one is set, even while tokens keep coming', async () => {
    vi.useFakeTimers();
    const result = collect(pacedModel(1000)).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ kind: 'total' });
  });

  it("throws the run's abort reason when the run is cancelled", async () => {
    const run = new AbortController();
    const model = modelOf([{ parts: [delta('a')], thenHang: true }]);
    let firstPart!: () => void;
    const gotFirst = new Promise<void>((resolve) => (firstPart = resolve));
    const streaming = streamModel(model, { prompt }, run.signal, policy, () => firstPart());
    await gotFirst;
    run.abort(new Error('client disconnected'));
    await expect(streaming).rejects.toThrow('client disconnected');
  });
});

describe('retryDelay', () => {
  it('honours Retry-After and caps it, else backs off exponentially with jitter', () => {
    const p = { ...policy, retryBaseMs: 100, retryMaxMs: 1000 };
    expect(retryDelay(0, apiError(429, { 'retry-after': '0' }), p)).toBe(0);
    expect(retryDelay(0, apiError(429, { 'retry-after': '30' }), p)).toBe(1000);
    expect(retryDelay(0, apiError(429, { 'retry-after-ms': '250' }), p)).toBe(250);
    const third = retryDelay(2, apiError(503), p);
    expect(third).toBeGreaterThanOrEqual(200);
    expect(third).toBeLessThanOrEqual(400);
    expect(retryDelay(10, apiError(503), p)).toBeLessThanOrEqual(1000);
  });
});
