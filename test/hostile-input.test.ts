import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, type TestServer, tableCounts } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';

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
