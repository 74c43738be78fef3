import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

const CHAT_PER_MIN = 4;

describe('the earlier APIs refuse bad input with a problem, before anything is written', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: { MAX_MESSAGE_CHARS: '50', RATE_LIMIT_CHAT_PER_MIN: String(CHAT_PER_MIN) },
    });
  });
  afterAll(() => t.close());

  const json = { 'content-type': 'application/json' };
  const long = 'x'.repeat(51);
  const cases: [name: string, path: string, status: number, code: string, body: string][] = [
    ['no message', '/chat', 400, 'invalid_request', '{}'],
    ['a blank message', '/chat', 400, 'invalid_request', '{"message": "   "}'],
    ['a message too long', '/chat', 400, 'message_too_long', `{"message": "${long}"}`],
    ['a body that is not JSON', '/chat', 400, 'malformed_json', '{"message": '],
    ['an empty body', '/chat', 400, 'malformed_json', ''],
    ['a JSON array', '/chat', 400, 'invalid_request', '["hi"]'],
    ['`message` instead of `query`', '/chat/stream', 400, 'invalid_request', '{"message": "hi"}'],
    ['a query too long', '/chat/stream', 400, 'invalid_request', `{"query": "${long}"}`],
    [
      'auto_load_documents not a boolean',
      '/fast_chat/stream',
      400,
      'invalid_request',
      '{"query": "hi", "auto_load_documents": "yes"}',
    ],
    [
      'conversation_history not a list',
      '/fast_chat/stream',
      400,
      'invalid_request',
      '{"query": "hi", "conversation_history": "none"}',
    ],
    [
      'an empty session_id',
      '/api/chat/stream',
      400,
      'invalid_request',
      '{"message": "hi", "session_id": ""}',
    ],
    [
      'a numeric session_id',
      '/api/chat/stream',
      400,
      'invalid_request',
      '{"message": "hi", "session_id": 7}',
    ],
    [
      'document_ids not a list',
      '/chat/message/stream',
      400,
      'invalid_request',
      '{"message": "hi", "document_ids": "doc_1"}',
    ],
    ['no message', '/api/chat/message/stream', 400, 'invalid_request', '{"conversation_id": "conv_1"}'],
  ];

  it.each(cases)('%s on %s → %i %s', async (_name, path, status, code, body) => {
    const before = await tableCounts(t.db);
    const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: json, body });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await readJson(response)).toMatchObject({ status, code, instance: path });
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('a text/plain body is a 415 problem', async () => {
    const response = await fetch(`${t.url}/api/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(response.status).toBe(415);
    expect(await readJson(response)).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('a session id over 128 characters is a 400 problem; a path parameter over 200 is 414; never a 5xx', async () => {
    const unknown = await fetch(`${t.url}/api/chat/sessions/${'s'.repeat(129)}`);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Fastify's router refuses path parameters over `maxParamLength` (200) itself.
    expect((await fetch(`${t.url}/api/chat/sessions/${'s'.repeat(300)}`)).status).toBe(414);
  });

  // Last: it spends the whole chat budget.
  it('every legacy chat route spends the `chat` rate-limit budget; the others do not', async () => {
    const chats: [string, unknown][] = [
      ['/chat', { message: 'hi' }],
      ['/chat/stream', { query: 'hi' }],
      ['/api/chat/stream', { message: 'hi' }],
      ['/chat/message/stream', { message: 'hi' }],
    ];
    for (const [i, [path, body]] of chats.entries()) {
      const response = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
      expect(response.status, path).toBe(200);
      await response.text();
      expect(i).toBeLessThan(CHAT_PER_MIN);
    }
    expect(chats).toHaveLength(CHAT_PER_MIN);
    const before = await tableCounts(t.db);
    const refused = await fetch(`${t.url}/fast_chat/stream`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: 'hi' }),
    });
    expect(refused.status).toBe(429);
    expect(await readJson(refused)).toMatchObject({ code: 'rate_limited' });
    expect(await tableCounts(t.db)).toEqual(before);
    expect((await fetch(`${t.url}/chat/health`)).status).toBe(200);
    expect((await fetch(`${t.url}/api/status`)).status).toBe(200);
  });
});
