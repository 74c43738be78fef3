import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedModel } from './helpers/scripted-model.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** POSTs JSON and follows the stream live: every event and comment as a real SSE parser sees them. */
async function follow(
  url: string,
  body: unknown,
  onEvent: (e: EventSourceMessage) => void = () => {},
): Promise<{ raw: string; events: EventSourceMessage[]; comments: string[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (e) => {
      events.push(e);
      onEvent(e);
    },
    onComment: (c) => void comments.push(c),
  });
  const decoder = new TextDecoder();
  let raw = '';
  for await (const chunk of response.body ?? []) {
    const text = decoder.decode(chunk, { stream: true });
    raw += text;
    parser.feed(text);
  }
  return { raw, events, comments };
}

describe('a slow answer: the streams are kept alive while nothing happens', () => {
  let t: TestServer;
  beforeAll(async () => {
    // 1.5 s before each token: longer than a heartbeat interval (1 s) and than SSE_KEEPALIVE_MS.
    const slow = new ScriptedModel({ deltas: ['Slow', ' answer'], delayMs: 1500 });
    t = await startTestServer({
      env: { DEFAULT_MODEL: 'test:slow', SSE_KEEPALIVE_MS: '1000' },
      configureModels: (m) => m.register('test:slow', slow),
    });
  });
  afterAll(() => t.close());

  it('/chat/stream sends `event: heartbeat` {} during a long step, as the earlier backend did', async () => {
    const { raw, events } = await follow(`${t.url}/chat/stream`, { query: 'Take your time.' });
    const sequence = events.map((e) =>
      e.event === 'progress' ? (JSON.parse(e.data) as { step: string }).step : e.event,
    );
    const generating = sequence.indexOf('ai_generation');
    const finalizing = sequence.indexOf('finalizing');
    const during = sequence.slice(generating + 1, finalizing);
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(new Set(during)).toEqual(new Set(['heartbeat']));
    expect(sequence.slice(finalizing)).toEqual(['finalizing', 'complete', 'result']);
    expect(raw).toContain('\n\nevent: heartbeat\ndata: {}\n\n');
    expect(JSON.parse(events.at(-1)?.data ?? '{}').response).toBe('Slow answer');
  });

  it('/api/chat/stream keeps its data-only stream alive with `: ping` comments its clients skip', async () => {
    const { events, comments } = await follow(`${t.url}/api/chat/stream`, { message: 'Take your time.' });
    expect(comments.length).toBeGreaterThanOrEqual(1);
    expect(new Set(comments)).toEqual(new Set(['ping']));
    expect(events.map((e) => JSON.parse(e.data).token ?? 'done')).toEqual(['Slow', ' answer', 'done']);
  });
});

describe('a model that fails after two tokens: each API reports it its own way', () => {
  let t: TestServer;
  beforeAll(async () => {
    const failing = new ScriptedModel({ deltas: ['Partial', ' answer', ' never'], failAfter: 2 });
    t = await startTestServer({
      env: { DEFAULT_MODEL: 'test:fail' },
      configureModels: (m) => m.register('test:fail', failing),
    });
  });
  afterAll(() => t.close());

  const errorMessage = expect.stringMatching(/What was generated so far is saved\.$/);

  it('/chat: the words so far, then `event: error`', async () => {
    const { raw, events } = await follow(`${t.url}/chat`, { message: 'hi' });
    expect(raw.startsWith('data: Partial\n\ndata: answer\n\nevent: error\ndata: {"error": "')).toBe(true);
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toEqual({ error: errorMessage });
    expect(raw).not.toContain('secret-internal-detail');
  });

  it('/chat/stream: the steps so far, then `event: error` {error}', async () => {
    const { events } = await follow(`${t.url}/chat/stream`, { query: 'hi' });
    expect(events.map((e) => (e.event === 'progress' ? JSON.parse(e.data).step : e.event))).toEqual([
      'start',
      'doc_loading',
      'ai_generation',
      'error',
    ]);
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toEqual({ error: errorMessage });
  });

  it('/api/chat/stream: the tokens so far, then {error}', async () => {
    const { events } = await follow(`${t.url}/api/chat/stream`, { message: 'hi', session_id: 'fails' });
    expect(events.map((e) => JSON.parse(e.data))).toEqual([
      { token: 'Partial', count: 1, partial: 'Partial' },
      { token: ' answer', count: 2, partial: 'Partial answer' },
      { error: errorMessage },
    ]);
  });

  it('/chat/message/stream: the tokens so far, then {error, done: true}; the partial answer is stored', async () => {
    const { events } = await follow(`${t.url}/chat/message/stream`, { message: 'hi' });
    expect(events.map((e) => JSON.parse(e.data))).toEqual([
      { token: 'Partial', done: false },
      { token: ' answer', done: false },
      { error: errorMessage, done: true },
    ]);
    const [message] = await t.db.query<{ status: string; content: string }>(
      "select status, content from messages where role = 'assistant' order by created_at desc limit 1",
    );
    expect(message).toEqual({ status: 'failed', content: 'Partial answer' });
  });
});

describe('shutdown: a client of an earlier API cannot resume, so it is told to ask again', () => {
  it('ends an open /api/chat/stream with an {error} after the tokens so far', async () => {
    const hang = new ScriptedModel({ deltas: ['One', ' two', ' three'], hangAfter: 2 });
    const t = await startTestServer({
      env: { DEFAULT_MODEL: 'test:hang', SHUTDOWN_DEADLINE_MS: '100' },
      configureModels: (m) => m.register('test:hang', hang),
    });
    let shutdown: Promise<void> | undefined;
    const { events } = await follow(`${t.url}/api/chat/stream`, { message: 'hi' }, (e) => {
      if (JSON.parse(e.data).count === 2) shutdown = t.server.shutdown();
    });
    await shutdown;
    expect(events.map((e) => JSON.parse(e.data))).toEqual([
      { token: 'One', count: 1, partial: 'One' },
      { token: ' two', count: 2, partial: 'One two' },
      { error: 'The server is restarting; please send your message again.' },
    ]);
    const [message] = await t.db.query<{ status: string; content: string }>(
      "select status, content from messages where role = 'assistant'",
    );
    expect(message).toEqual({ status: 'interrupted', content: 'One two' });
    await t.db.close();
  });
});
