import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedModel } from './helpers/scripted-model.js';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** The samples of one metric in Prometheus text format, as `{labels} → value`. */
function samples(text: string, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) found[match[2] ?? '{}'] = Number(match[3]);
  }
  return found;
}

describe('GET /metrics', () => {
  let t: TestServer;
  const fail = new ScriptedModel({ deltas: ['Half', ' of', ' it'], failAfter: 2 });
  beforeAll(async () => {
    t = await startTestServer({
      env: { RATE_LIMIT_CHAT_PER_MIN: '2' },
      configureModels: (m) => m.register('test:fail', fail),
    });
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  };

  it('counts runs, tokens, latency, errors and rate limiting in Prometheus text format', async () => {
    const { events } = await postChatStream(t.url, { message: 'How do I cancel a generation?' });
    expect(events.at(-1)?.event).toBe('done');
    const localTokens = events.filter((e) => e.event === 'token').length;
    expect(localTokens).toBeGreaterThan(0);

    // A non-streaming chat whose model fails: an `error` event in the run, and a 502 response.
    const failed = await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Explain it', model: 'test:fail', stream: false }),
    });
    expect(failed.status).toBe(502);
    await failed.json();
    const limited = await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'One too many' }),
    });
    expect(limited.status).toBe(429);
    await limited.json();

    // The metrics read each run's log on their own; wait until both runs are counted.
    await expect
      .poll(async () => Object.values(samples(await scrape(), 'streamforge_runs_total')).length)
      .toBe(2);
    const text = await scrape();
    expect(text).toContain('# TYPE streamforge_runs_total counter');
    expect(text).toContain('# TYPE streamforge_time_to_first_token_seconds histogram');
    expect(samples(text, 'streamforge_runs_total')).toEqual({
      '{model="local",status="done"}': 1,
      '{model="test:fail",status="failed"}': 1,
    });
    expect(samples(text, 'streamforge_tokens_streamed_total')).toEqual({
      '{model="local"}': localTokens,
      '{model="test:fail"}': 2,
    });
    expect(samples(text, 'streamforge_time_to_first_token_seconds_count')).toEqual({
      '{model="local"}': 1,
      '{model="test:fail"}': 1,
    });
    expect(samples(text, 'streamforge_run_duration_seconds_count')).toEqual({
      '{model="local"}': 1,
      '{model="test:fail"}': 1,
    });
    expect(samples(text, 'streamforge_errors_total')).toEqual({
      '{code="model_error",source="run"}': 1,
      '{code="model_error",source="http"}': 1,
    });
    expect(samples(text, 'streamforge_rate_limited_total')).toEqual({ '{group="chat"}': 1 });
    expect(samples(text, 'streamforge_runs_active')).toEqual({ '{}': 0 });
    expect(samples(text, 'streamforge_subscribers')).toEqual({ '{}': 0 });
    expect(Object.keys(samples(text, 'streamforge_process_process_resident_memory_bytes'))).toEqual(['{}']);
  });

  it('counts active runs and their subscribers while they run', async () => {
    const hang = new ScriptedModel({ deltas: ['wait'], hangAfter: 1 });
    const s = await startTestServer({ configureModels: (m) => m.register('test:hang', hang) });
    try {
      const gauges = async () => {
        const text = await (await fetch(`${s.url}/metrics`)).text();
        return {
          active: samples(text, 'streamforge_runs_active')['{}'],
          subscribers: samples(text, 'streamforge_subscribers')['{}'],
        };
      };
      let observed: Awaited<ReturnType<typeof gauges>> | undefined;
      await postChatStream(
        s.url,
        { message: 'Wait', model: 'test:hang', on_disconnect: 'cancel' },
        {
          onEvent: (e, leave) => {
            if (e.event !== 'token') return;
            void gauges().then((g) => {
              observed = g;
              leave();
            });
          },
        },
      );
      await hang.aborted;
      expect(observed).toEqual({ active: 1, subscribers: 1 });
      await expect.poll(gauges).toEqual({ active: 0, subscribers: 0 });
    } finally {
      await s.close();
    }
  });
});
