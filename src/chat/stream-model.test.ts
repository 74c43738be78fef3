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

async function collect(gen: AsyncIterable<LanguageModelV3StreamPart>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of gen) if (p.type === 'text-delta') out.push(p.delta);
  return out;
}

describe('streamModel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries 429 and 5xx before the first token, then streams', async () => {
    const model = modelOf([{ fail: apiError(429) }, { fail: apiError(503) }, { parts: [delta('ok')] }]);
    const retries: number[] = [];
    const out = await collect(
      streamModel(model, { prompt }, new AbortController().signal, policy, (n) => retries.push(n)),
    );
    expect(out).toEqual(['ok']);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    const model = modelOf([{ fail: apiError(500) }, { fail: apiError(500) }, { fail: apiError(502) }]);
    await expect(
      collect(streamModel(model, { prompt }, new AbortController().signal, policy)),
    ).rejects.toMatchObject({
      statusCode: 502,
    });
    expect(model.calls).toHaveLength(3);
  });

  it('does not retry a client error, nor anything after the first token', async () => {
    const bad = modelOf([{ fail: apiError(400) }, { parts: [delta('never')] }]);
    await expect(
      collect(streamModel(bad, { prompt }, new AbortController().signal, policy)),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(bad.calls).toHaveLength(1);

    const midway = modelOf([{ parts: [delta('a')], thenFail: apiError(503) }, { parts: [delta('b')] }]);
    const seen: string[] = [];
    const gen = streamModel(midway, { prompt }, new AbortController().signal, policy);
    await expect(
      (async () => {
        for await (const p of gen) if (p.type === 'text-delta') seen.push(p.delta);
      })(),
    ).rejects.toMatchObject({ statusCode: 503 });
    expect(seen).toEqual(['a']);
    expect(midway.calls).toHaveLength(1);
  });

  it('fails with an idle timeout when the model stops sending, and aborts its request', async () => {
    vi.useFakeTimers();
    const model = modelOf([{ parts: [delta('a')], thenHang: true }]);
    const result = collect(streamModel(model, { prompt }, new AbortController().signal, policy)).catch(
      (e) => e,
    );
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await result;
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(error.kind).toBe('idle');
    expect(model.calls[0]?.abortSignal?.aborted).toBe(true);
  });

  it('fails with the total timeout even while tokens keep coming', async () => {
    vi.useFakeTimers();
    const model: LanguageModelV3 = {
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
                }, 1000),
              ),
            cancel: () => {
              cancelled = true;
            },
          }),
        };
      },
    };
    const result = collect(streamModel(model, { prompt }, new AbortController().signal, policy)).catch(
      (e) => e,
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ kind: 'total' });
  });

  it("throws the run's abort reason when the run is cancelled", async () => {
    const run = new AbortController();
    const model = modelOf([{ parts: [delta('a')], thenHang: true }]);
    const gen = streamModel(model, { prompt }, run.signal, policy);
    const first = await gen.next();
    expect(first.value).toMatchObject({ delta: 'a' });
    const next = gen.next();
    run.abort(new Error('client disconnected'));
    await expect(next).rejects.toThrow('client disconnected');
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
