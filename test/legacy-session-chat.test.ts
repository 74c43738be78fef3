import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

interface TokenEvent {
  token: string;
  count: number;
  partial: string;
}

/** POSTs a message to /api/chat/stream and reads the whole stream as a real SSE parser sees it. */
async function chatStream(url: string, body: unknown) {
  const response = await fetch(`${url}/api/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const raw = await response.text();
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => void events.push(e) }).feed(raw);
  const data = events.map((e) => JSON.parse(e.data));
  return { response, raw, events, tokens: data.slice(0, -1) as TokenEvent[], last: data.at(-1) };
}

describe('POST /api/chat/stream and /api/chat/sessions: chat in sessions', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const conversation = (id: string) => fetch(`${t.url}/v1/conversations/${id}`).then(readJson);

  it('streams {token, count, partial} per token, then {done: true, …} with the stored answer', async () => {
    const { response, raw, events, tokens, last } = await chatStream(t.url, {
      message: 'How do I cancel a generation?',
      session_id: 'legacy-s1',
    });

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    // Flask's framing: a `data:` line of json.dumps output per event, nothing else.
    expect(events.every((e) => e.event === undefined && e.id === undefined)).toBe(true);
    expect(raw).toMatch(/^data: \{"token": "[^"]*", "count": 1, "partial": "[^"]*"\}\n\n/);
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.map((t) => t.count)).toEqual(tokens.map((_, i) => i + 1));
    tokens.reduce((text, t) => {
      expect(t.partial).toBe(text + t.token);
      return t.partial;
    }, '');
    const text = tokens.map((t) => t.token).join('');

    const session = await fetch(`${t.url}/api/chat/sessions/legacy-s1`).then(readJson);
    const stored = await conversation(session.conversation_id);
    const answer = stored.messages[1];
    expect(answer).toMatchObject({ role: 'assistant', status: 'complete', content: text });
    expect(last).toEqual({
      done: true,
      tokens: tokens.length,
      duration: answer.metrics.duration_ms / 1000,
      speed: answer.metrics.tokens_per_s,
      tokens_per_second: answer.metrics.tokens_per_s,
      full_response: text,
      message_id: answer.id,
      session_id: 'legacy-s1',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it('a session continues its conversation; GET shows it, DELETE removes it with its messages', async () => {
    await chatStream(t.url, { message: 'What is a run?', session_id: 'legacy-s2' });
    const second = await chatStream(t.url, { message: 'And how do I resume one?', session_id: 'legacy-s2' });
    expect(second.last).toMatchObject({ done: true, session_id: 'legacy-s2' });

    const session = await fetch(`${t.url}/api/chat/sessions/legacy-s2`).then(readJson);
    const stored = await conversation(session.conversation_id);
    expect(stored.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(stored.messages[2].content).toBe('And how do I resume one?');
    expect(stored.messages[3].id).toBe(second.last.message_id);
    expect(session).toEqual({
      session_id: 'legacy-s2',
      conversation_id: stored.id,
      messages: 4,
      created_at: stored.created_at,
      timestamp: stored.updated_at,
    });

    const deleted = await fetch(`${t.url}/api/chat/sessions/legacy-s2`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await readJson(deleted)).toEqual({ success: true, message: 'Session deleted' });
    expect((await fetch(`${t.url}/v1/conversations/${stored.id}`)).status).toBe(404);
    for (const method of ['GET', 'DELETE']) {
      const gone = await fetch(`${t.url}/api/chat/sessions/legacy-s2`, { method });
      expect(gone.status).toBe(404);
      expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await readJson(gone)).toMatchObject({ code: 'session_not_found' });
    }
    // The session id is free again: it starts a new conversation.
    await chatStream(t.url, { message: 'Hello again', session_id: 'legacy-s2' });
    const again = await fetch(`${t.url}/api/chat/sessions/legacy-s2`).then(readJson);
    expect(again).toMatchObject({ messages: 2 });
    expect(again.conversation_id).not.toBe(stored.id);
  });

  it('without session_id, the new conversation id comes back as the session to continue', async () => {
    const first = await chatStream(t.url, { message: 'What is a run?' });
    const sessionId = first.last.session_id;
    expect(sessionId).toMatch(/^conv_/);
    await chatStream(t.url, { message: 'Tell me more.', session_id: sessionId });
    expect((await conversation(sessionId)).messages).toHaveLength(4);
  });

  it('shares its sessions with the Socket.IO chat_stream API', async () => {
    await chatStream(t.url, { message: 'What is a run?', session_id: 'legacy-shared' });
    const socket = io(t.url, { path: '/socket.io', transports: ['websocket'], reconnection: false });
    try {
      const complete = await new Promise<{ session_id: string }>((resolve, reject) => {
        socket.on('chat_complete', resolve);
        socket.on('chat_error', reject);
        socket.emit('chat_stream', { message: 'And over a socket?', session_id: 'legacy-shared' });
      });
      expect(complete.session_id).toBe('legacy-shared');
    } finally {
      socket.disconnect();
    }
    expect(await fetch(`${t.url}/api/chat/sessions/legacy-shared`).then(readJson)).toMatchObject({
      messages: 4,
    });
  });

  it('GET /api/status says the backend is up', async () => {
    expect(await fetch(`${t.url}/api/status`).then(readJson)).toEqual({
      status: 'online',
      streaming: 'enabled',
      default_model: 'local',
      timestamp: expect.stringMatching(/Z$/),
    });
  });
});
