import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** POSTs JSON and reads the whole event stream: the bytes, and the events as a real SSE parser sees them. */
async function postStream(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const raw = await response.text();
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => void events.push(e) }).feed(raw);
  return { response, raw, events };
}

describe('POST /chat: the first StreamForge API, word by word', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('streams each word of the answer as `data: <word>`, and the words are the stored answer', async () => {
    const { response, raw, events } = await postStream(`${t.url}/chat`, {
      message: 'How do I cancel a generation?',
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const words = events.map((e) => e.data);
    expect(words.length).toBeGreaterThan(10);
    // Nothing but `data: <word>` frames: no ids, no event names, no JSON.
    expect(raw).toBe(words.map((w) => `data: ${w}\n\n`).join(''));
    for (const word of words) expect(word).toMatch(/^\S+$/);

    const { data } = await fetch(`${t.url}/v1/conversations?limit=1`).then(readJson);
    const conversation = await fetch(`${t.url}/v1/conversations/${data[0].id}`).then(readJson);
    const [question, answer] = conversation.messages;
    expect(question).toMatchObject({ role: 'user', content: 'How do I cancel a generation?' });
    expect(answer).toMatchObject({ role: 'assistant', status: 'complete' });
    expect(words.join(' ')).toBe(answer.content.split(/\s+/).filter(Boolean).join(' '));
    // The local model's tokens are a word each (with the whitespace before it): one event per token.
    expect(words).toHaveLength(answer.usage.output_tokens);
  });

  it('each request is a conversation of its own', async () => {
    const before = (await fetch(`${t.url}/v1/conversations?limit=100`).then(readJson)).data.length;
    await postStream(`${t.url}/chat`, { message: 'What is a run?' });
    await postStream(`${t.url}/chat`, { message: 'What is a run?' });
    expect((await fetch(`${t.url}/v1/conversations?limit=100`).then(readJson)).data).toHaveLength(before + 2);
  });

  it('GET /chat/health answers as the chat service did', async () => {
    const response = await fetch(`${t.url}/chat/health`);
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ service: 'chat', status: 'healthy', streaming: 'enabled' });
  });
});
