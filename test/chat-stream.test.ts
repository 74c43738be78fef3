import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe('POST /v1/chat streams a run as Server-Sent Events', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('sends the SSE headers', async () => {
    const { response } = await postChatStream(t.url, { message: 'How does streaming work?' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('numbers events 1, 2, 3…, names each by its type, and orders start → progress… → token… → done', async () => {
    const { events } = await postChatStream(t.url, { message: 'How do I cancel a generation?' });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    for (const e of events) expect(e.data.type).toBe(e.event);
    const order = events.map((e) => e.event).join(' ');
    expect(order).toMatch(/^start (progress )+(token )+progress done$/);
    expect(events.at(-2)?.data).toMatchObject({ step: 'generate', status: 'completed' });
  });

  it('streams a cited answer from the local model and a done event consistent with what was received', async () => {
    const before = Date.now();
    const { events } = await postChatStream(t.url, { message: 'How do I cancel a generation?' });
    const elapsed = Date.now() - before;
    const start = events[0]?.data;
    const done = events.at(-1)?.data;
    const tokens = events.filter((e) => e.event === 'token').map((e) => String(e.data.delta));
    const text = tokens.join('');
    expect(text).toMatch(/cancel/i);
    expect(text).toMatch(/\[1\]/);
    expect(text).toMatch(/Sources:\n\[1\] /);
    expect(start).toMatchObject({ model: 'local' });
    expect(done).toMatchObject({
      type: 'done',
      finish_reason: 'stop',
      message_id: start?.assistant_message_id,
      conversation_id: start?.conversation_id,
      usage: { output_tokens: tokens.length },
    });
    const metrics = done?.metrics as { ttft_ms: number; duration_ms: number; tokens_per_s: number };
    expect(metrics.ttft_ms).toBeGreaterThanOrEqual(0);
    expect(metrics.ttft_ms).toBeLessThanOrEqual(metrics.duration_ms);
    expect(metrics.duration_ms).toBeLessThanOrEqual(elapsed);
    expect(metrics.tokens_per_s).toBeGreaterThan(0);

    const stored = await fetch(`${t.url}/v1/conversations/${start?.conversation_id}`).then(readJson);
    expect(stored.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'complete', content: text });
  });

  it('reports progress steps with started/completed pairs and non-decreasing elapsed time', async () => {
    const { events } = await postChatStream(t.url, { message: 'What is stored?' });
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
    expect(progress.map((p) => `${p.step}:${p.status}`)).toEqual([
      'history:started',
      'history:completed',
      'generate:started',
      'generate:completed',
    ]);
    const elapsed = progress.map((p) => Number(p.elapsed_ms));
    expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed);
  });

  it('answers one JSON document with "stream": false or Accept: application/json', async () => {
    const cases: { body: object; headers: Record<string, string> }[] = [
      { body: { message: 'How are events numbered?', stream: false }, headers: {} },
      { body: { message: 'How are events numbered?' }, headers: { accept: 'application/json' } },
    ];
    for (const init of cases) {
      const response = await fetch(`${t.url}/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: JSON.stringify(init.body),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const reply = await readJson(response);
      expect(reply).toMatchObject({ model: 'local', finish_reason: 'stop' });
      expect(reply.content).toMatch(/\[1\]/);
      expect(reply.usage.output_tokens).toBe(reply.content.match(/\s*\S+/g).length);
      const stored = await fetch(`${t.url}/v1/conversations/${reply.conversation_id}`).then(readJson);
      expect(stored.messages.map((m: { id: string }) => m.id)).toEqual([
        reply.user_message_id,
        reply.message_id,
      ]);
    }
  });

  it('tells the client what it can answer when the knowledge base has nothing', async () => {
    const { events } = await postChatStream(t.url, { message: 'Best lasagne recipe with spinach?' });
    const text = events
      .filter((e) => e.event === 'token')
      .map((e) => e.data.delta)
      .join('');
    expect(text).toMatch(/couldn't find anything/);
    expect(text).toMatch(/DEFAULT_MODEL/);
  });
});
