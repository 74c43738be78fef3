import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { ENGINES, startTestServer, type TestServer, tableCounts } from './helpers/test-server.js';

interface BadRequest {
  name: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  code: string;
  detail?: RegExp;
}

const json = { 'content-type': 'application/json' };

const CASES: BadRequest[] = [
  { name: 'malformed JSON', headers: json, body: '{"message": "hi"', status: 400, code: 'malformed_json' },
  { name: 'empty JSON body', headers: json, body: '', status: 400, code: 'malformed_json' },
  {
    name: 'missing message',
    headers: json,
    body: '{}',
    status: 400,
    code: 'invalid_request',
    detail: /message/,
  },
  {
    name: 'empty message',
    headers: json,
    body: '{"message": "   "}',
    status: 400,
    code: 'invalid_request',
    detail: /message must not be empty/,
  },
  {
    name: 'message of the wrong type',
    headers: json,
    body: '{"message": 42}',
    status: 400,
    code: 'invalid_request',
    detail: /body\.message/,
  },
  {
    name: 'message over the limit',
    headers: json,
    body: JSON.stringify({ message: 'x'.repeat(201) }),
    status: 400,
    code: 'message_too_long',
    detail: /at most 200 characters/,
  },
  {
    name: 'unknown field',
    headers: json,
    body: '{"message": "hi", "mesage": "typo"}',
    status: 400,
    code: 'invalid_request',
    detail: /mesage/,
  },
  {
    name: 'unknown conversation',
    headers: json,
    body: '{"message": "hi", "conversation_id": "conv_doesnotexist"}',
    status: 404,
    code: 'conversation_not_found',
  },
  {
    name: 'unknown model',
    headers: json,
    body: '{"message": "hi", "model": "nope:gpt-9"}',
    status: 400,
    code: 'unknown_model',
    detail: /Unknown model "nope:gpt-9"\. Use "provider:model" with a configured provider, or one of: local/,
  },
  {
    name: 'model of a provider that is not configured',
    headers: json,
    body: '{"message": "hi", "model": "openai:gpt-4o-mini"}',
    status: 400,
    code: 'provider_not_configured',
    detail: /set OPENAI_API_KEY/,
  },
  {
    name: 'unknown system template',
    headers: json,
    body: '{"message": "hi", "system_template": "pirate"}',
    status: 400,
    code: 'unknown_system_template',
    detail: /Available: concise, detailed/,
  },
  {
    name: 'wrong content type',
    headers: { 'content-type': 'text/plain' },
    body: 'hi',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'body over BODY_LIMIT_BYTES',
    headers: json,
    body: JSON.stringify({ message: 'x', system: 'y'.repeat(3000) }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'bad page size',
    method: 'GET',
    path: '/v1/conversations?limit=0',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'forged cursor',
    method: 'GET',
    path: '/v1/conversations?cursor=bm90LWEtbnVtYmVy',
    status: 400,
    code: 'invalid_cursor',
  },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing-here', status: 404, code: 'not_found' },
];

describe.each(ENGINES)('bad input on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ engine, env: { MAX_MESSAGE_CHARS: '200', BODY_LIMIT_BYTES: '2048' } });
    // Something to leave untouched.
    await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: json,
      body: '{"message":"hello","stream":false}',
    });
  });
  afterAll(() => t.close());

  it.each(CASES)('$name → $status $code, as problem+json, writing nothing', async (c) => {
    const before = await tableCounts(t.db);
    const response = await fetch(`${t.url}${c.path ?? '/v1/chat'}`, {
      method: c.method ?? 'POST',
      headers: c.headers,
      body: c.body,
    });
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await readJson(response);
    expect(body).toMatchObject({
      type: `urn:streamforge:problem:${c.code}`,
      status: c.status,
      code: c.code,
      title: expect.any(String),
      detail: expect.any(String),
    });
    if (c.detail) expect(body.detail).toMatch(c.detail);
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|FST_/);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('lists each invalid field of a validation problem', async () => {
    const response = await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: json,
      body: '{"message": "", "stream": "yes"}',
    });
    const body = await readJson(response);
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.message', 'body.stream']);
  });
});
