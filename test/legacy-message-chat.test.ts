import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

/** POSTs to a message stream and reads the whole stream as a real SSE parser sees it. */
async function messageStream(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const raw = await response.text();
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => void events.push(e) }).feed(raw);
  const data = events.map((e) => JSON.parse(e.data));
  return { response, raw, events, tokens: data.slice(0, -1), last: data.at(-1) };
}

const MOON_BASE = `# Moon base logistics

The moon base receives a supply lander every 45 days. Each lander carries 1200 kilograms of water.
`;

describe('POST /chat/message/stream: tokens, then the message and its sources', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('streams {token, done: false} per token, then {token: null, done: true, …} naming the stored message', async () => {
    const { response, raw, events, tokens, last } = await messageStream(`${t.url}/chat/message/stream`, {
      message: 'How do I cancel a generation?',
    });

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(events.every((e) => e.event === undefined && e.id === undefined)).toBe(true);
    expect(raw).toMatch(/^data: \{"token": "[^"]*", "done": false\}\n\n/);
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) expect(token).toEqual({ token: expect.any(String), done: false });
    expect(last).toEqual({
      token: null,
      done: true,
      message_id: expect.stringMatching(/^msg_/),
      conversation_id: expect.stringMatching(/^conv_/),
      sources: [],
    });

    const stored = await fetch(`${t.url}/v1/conversations/${last.conversation_id}`).then(readJson);
    expect(stored.messages[1]).toMatchObject({
      id: last.message_id,
      status: 'complete',
      content: tokens.map((t) => t.token).join(''),
    });
  });

  it('continues a conversation by conversation_id, also under /api', async () => {
    const first = await messageStream(`${t.url}/chat/message/stream`, { message: 'What is a run?' });
    const second = await messageStream(`${t.url}/api/chat/message/stream`, {
      message: 'How long are its events kept?',
      conversation_id: first.last.conversation_id,
      agent_id: null,
    });
    expect(second.last.conversation_id).toBe(first.last.conversation_id);
    const stored = await fetch(`${t.url}/v1/conversations/${first.last.conversation_id}`).then(readJson);
    expect(stored.messages).toHaveLength(4);
    expect(stored.messages[3]).toMatchObject({
      id: second.last.message_id,
      content: second.tokens.map((t: { token: string }) => t.token).join(''),
    });
  });

  it('cites the documents named in document_ids as the backend did', async () => {
    const form = new FormData();
    form.append('file', new Blob([MOON_BASE], { type: 'text/markdown' }), 'moon-base.md');
    const document = (await fetch(`${t.url}/v1/documents`, { method: 'POST', body: form }).then(readJson))
      .files[0].document;

    const { last } = await messageStream(`${t.url}/chat/message/stream`, {
      message: 'How often does the moon base get a supply lander?',
      document_ids: [document.id],
    });

    const stored = await fetch(`${t.url}/v1/conversations/${last.conversation_id}`).then(readJson);
    const sources = stored.messages[1].sources;
    expect(sources.length).toBeGreaterThan(0);
    expect(last.sources).toEqual(
      sources.map((s: { document_id: string; title: string; score: number; snippet: string }) => ({
        document_id: s.document_id,
        document_name: s.title,
        page_number: null,
        confidence: s.score,
        excerpt: s.snippet,
      })),
    );
    expect(last.sources[0]).toMatchObject({
      document_id: document.id,
      excerpt: expect.stringContaining('45'),
    });
  });

  it('an unknown conversation or document is a 404 problem, and nothing is written', async () => {
    const before = await tableCounts(t.db);
    for (const body of [
      { message: 'hi', conversation_id: 'conv_unknown' },
      { message: 'hi', document_ids: ['doc_unknown'] },
    ]) {
      const response = await fetch(`${t.url}/chat/message/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await readJson(response)).code).toMatch(/^(conversation|document)_not_found$/);
    }
    expect(await tableCounts(t.db)).toEqual(before);
  });
});
