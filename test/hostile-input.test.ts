import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { readJson } from './helpers/read-json.js';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer, tableCounts } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';
import { WsTestClient } from './helpers/ws-client.js';

const json = { 'content-type': 'application/json' };

describe('hostile input', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        RATE_LIMIT_CHAT_PER_MIN: '1000000',
        RATE_LIMIT_DEFAULT_PER_MIN: '1000000',
        RATE_LIMIT_DOCUMENTS_PER_MIN: '1000000',
      },
    });
  });
  afterAll(() => t.close());

  async function rejected(init: RequestInit & { path?: string }, status: number, code: string) {
    const before = await tableCounts(t.db);
    const response = await fetch(`${t.url}${init.path ?? '/v1/chat'}`, { method: 'POST', ...init });
    expect(response.status).toBe(status);
    expect(await readJson(response)).toMatchObject({ status, code });
    expect(await tableCounts(t.db)).toEqual(before);
  }

  it('refuses invalid UTF-8 instead of replacing it', async () => {
    const body = Buffer.concat([
      Buffer.from('{"message":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    await rejected({ headers: json, body }, 400, 'invalid_utf8');
  });

  it('refuses deeply nested JSON without overflowing the stack', async () => {
    const depth = 100_000;
    await rejected(
      { headers: json, body: `${'['.repeat(depth)}${']'.repeat(depth)}` },
      400,
      'too_deeply_nested',
    );
    await rejected(
      { headers: json, body: `{"message":"hi","system":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}` },
      400,
      'too_deeply_nested',
    );
  });

  it('refuses compressed bodies: a tiny gzip that would inflate to 50 MB is never inflated', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100_000);
    await rejected(
      { headers: { ...json, 'content-encoding': 'gzip' }, body: bomb },
      415,
      'unsupported_content_encoding',
    );
    const form = new FormData();
    form.append('file', new Blob([bomb]), 'bomb.txt');
    await rejected(
      { path: '/v1/documents', headers: { 'content-encoding': 'gzip' }, body: form },
      415,
      'unsupported_content_encoding',
    );
  });

  it('keeps only the last segment of an upload’s file name: no path traversal', async () => {
    const result = await upload(t.url, [
      { name: '../../../../etc/passwd.md', content: '# Not passwd\n\nJust notes.' },
      { name: '..\\..\\windows\\win.md', content: '# Win\n\nOther notes.' },
      { name: 'a\u0000b\u001f.md', content: '# Controls\n\nMore notes.' },
    ]);
    expect(result.status).toBe(201);
    expect(result.body.files.map((f: { document: { filename: string } }) => f.document.filename)).toEqual([
      'passwd.md',
      'win.md',
      'ab.md',
    ]);
  });

  it('a property-based fuzz of chat bodies never answers 5xx, and a rejected one writes nothing', async () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.object({ maxDepth: 2 }),
    );
    const body = fc.oneof(
      fc.record(
        {
          message: fc.oneof(fc.string({ maxLength: 60 }), field),
          conversation_id: fc.oneof(fc.string({ maxLength: 70 }), field),
          model: fc.oneof(fc.constantFrom('local', 'openai:x', 'nope'), field),
          stream: fc.oneof(fc.constant(false), field),
          rag: fc.oneof(
            fc.record(
              {
                enabled: fc.boolean(),
                top_k: fc.integer(),
                document_ids: fc.array(fc.string(), { maxLength: 3 }),
              },
              { requiredKeys: [] },
            ),
            field,
          ),
          system_template: field,
          on_disconnect: fc.oneof(fc.constantFrom('continue', 'cancel'), field),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = await tableCounts(t.db);
        const response = await fetch(`${t.url}/v1/chat`, {
          method: 'POST',
          headers: { ...json, accept: 'application/json' },
          body: JSON.stringify(b),
        });
        await response.arrayBuffer();
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) expect(await tableCounts(t.db)).toEqual(before);
      }),
      { numRuns: 1500 },
    );
  });

  it('a fuzz of conversation requests and query strings never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 2 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        async (b, q, id) => {
          const post = await fetch(`${t.url}/v1/conversations`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify(b),
          });
          expect(post.status).toBeLessThan(500);
          const list = await fetch(
            `${t.url}/v1/conversations?limit=${encodeURIComponent(q)}&cursor=${encodeURIComponent(id)}`,
          );
          expect(list.status).toBeLessThan(500);
          const get = await fetch(`${t.url}/v1/conversations/${encodeURIComponent(id || 'x')}`);
          expect(get.status).toBeLessThan(500);
          await Promise.all([post.arrayBuffer(), list.arrayBuffer(), get.arrayBuffer()]);
        },
      ),
      { numRuns: 700 },
    );
  });

  it('a fuzz of uploads (names, types, bytes) never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('txt', 'md', 'html', 'pdf', 'json', 'csv', 'exe', ''),
        fc.uint8Array({ maxLength: 400 }),
        async (name, ext, bytes) => {
          const form = new FormData();
          form.append('file', new Blob([bytes]), ext ? `${name}.${ext}` : name);
          const response = await fetch(`${t.url}/v1/documents`, { method: 'POST', body: form });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('U+0000, cut-off uploads and malformed positions', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  /** Everything a request could have written, documents included. */
  async function counts() {
    const [docs] = await t.db.query<{ n: number }>('select count(*)::int as n from documents');
    return { ...(await tableCounts(t.db)), documents: docs?.n };
  }

  async function refusedWithNothingWritten(path: string, init: RequestInit, code = 'invalid_request') {
    const before = await counts();
    const response = await fetch(`${t.url}${path}`, init);
    const body = (await response.json()) as { code?: string; error?: { code?: string } };
    expect(response.status, path).toBe(400);
    // The OpenAI-compatible API answers in its own error shape, with the same code.
    expect(body.code ?? body.error?.code, path).toBe(code);
    expect(await counts(), path).toEqual(before);
  }

  const post = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: json,
    body: JSON.stringify(body),
  });
  const NUL = 'a\u0000b';

  it('refuses text holding U+0000 with 400 invalid_request on every HTTP entry point, writing nothing', async () => {
    await refusedWithNothingWritten('/v1/chat', post({ message: NUL }));
    await refusedWithNothingWritten('/v1/conversations', post({ title: NUL }));
    await refusedWithNothingWritten('/chat', post({ message: NUL }));
    await refusedWithNothingWritten('/api/chat/stream', post({ message: 'hi', session_id: NUL }));
    await refusedWithNothingWritten('/chat/stream', post({ message: NUL }));
    await refusedWithNothingWritten('/chat/message/stream', post({ message: NUL }));
    await refusedWithNothingWritten(
      '/v1/chat/completions',
      post({ model: 'local', messages: [{ role: 'user', content: NUL }] }),
    );
    await refusedWithNothingWritten(
      '/v1/ui/chat',
      post({ id: NUL, messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
    );
    // A key, a query string and a path id too.
    await refusedWithNothingWritten('/v1/chat', post({ message: 'hi', metadata: { [NUL]: 1 } }));
    await refusedWithNothingWritten(`/v1/conversations?cursor=a%00b`, { method: 'GET' });
    await refusedWithNothingWritten('/v1/conversations/conv_a%00b', { method: 'GET' });
    // Path ids are ids: anything else is refused as such, not looked up.
    for (const id of ['conv_a%20b', 'conv_%E2%80%AE', 'a'.repeat(65), '..%2F..%2Fetc'])
      await refusedWithNothingWritten(`/v1/conversations/${id}`, { method: 'DELETE' });
    // The same text without the NUL is fine.
    const ok = await fetch(`${t.url}/v1/conversations`, post({ title: 'ab' }));
    expect(ok.status).toBe(201);
    await ok.arrayBuffer();
  });

  it('refuses a document whose text holds U+0000 (a JSON "\\u0000"), storing nothing', async () => {
    const before = await counts();
    const result = await upload(t.url, [{ name: 'nul.json', content: '{"note": "a\\u0000b"}' }]);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'invalid_request' });
    expect(await counts()).toEqual(before);
  });

  it('refuses U+0000 over WebSocket and Socket.IO with the transport’s error, writing nothing', async () => {
    const before = await counts();
    const ws = await WsTestClient.open(t.url);
    try {
      ws.send({ type: 'chat', message: NUL, request_id: 'nul' });
      const error = await ws.waitFor((m) => m.type === 'error');
      expect(error).toMatchObject({ code: 'invalid_request', request_id: 'nul' });
    } finally {
      await ws.close();
    }
    const socket = io(t.url, { path: '/socket.io', transports: ['websocket'], reconnection: false });
    try {
      const error = await new Promise<{ error: string }>((resolve) => {
        socket.once('chat_error', resolve);
        socket.emit('chat_stream', { message: NUL });
      });
      expect(error.error).toContain('U+0000');
    } finally {
      socket.disconnect();
    }
    expect(await counts()).toEqual(before);
  });

  it('a multipart body cut off in the middle is 400, and none of its files is kept', async () => {
    const boundary = 'sf-boundary';
    const part = (name: string, content: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/markdown\r\n\r\n${content}\r\n`;
    const before = await counts();
    // One whole file, then a second that stops mid-way, with no closing boundary.
    const body = part('whole.md', '# Whole\n\nA complete file.') + part('cut.md', '# Cut\n\nThis one sto');
    const cut = body.slice(0, -2);
    const response = await fetch(`${t.url}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: cut,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
    expect(await counts()).toEqual(before);
  });

  it('takes only plain decimal integers as Last-Event-ID and after', async () => {
    const { events } = await postChatStream(t.url, { message: 'What is a run?' });
    const runId = String(events[0]?.data.run_id);
    for (const bad of ['0x10', '1e2', ' 7', '7 ', '-1', '1.5', '+3', '', '9'.repeat(16)]) {
      // (HTTP itself trims the spaces around a header value: those are tested in the query string only)
      if (bad.trim() === bad && bad !== '') {
        const byHeader = await fetch(`${t.url}/v1/runs/${runId}/events`, {
          headers: { 'last-event-id': bad },
        });
        expect(byHeader.status, JSON.stringify(bad)).toBe(400);
        expect(await readJson(byHeader)).toMatchObject({ code: 'invalid_request' });
      }
      const byQuery = await fetch(`${t.url}/v1/runs/${runId}/events?after=${encodeURIComponent(bad)}`);
      expect(byQuery.status, JSON.stringify(bad)).toBe(400);
      await byQuery.arrayBuffer();
    }
    const good = await fetch(`${t.url}/v1/runs/${runId}/events`, { headers: { 'last-event-id': '2' } });
    expect(good.status).toBe(200);
    const text = await good.text();
    expect(text).toContain('id: 3\n');
    expect(text).not.toMatch(/^id: [12]$/m);
  });
});
