import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const APP = 'https://app.example';
const ADMIN = 'https://admin.example';

/** A response read to its end, so no connection is left busy when the server closes. */
async function request(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response;
}

/** The headers helmet sets by default, as this server sends them. */
function helmetHeaders(response: Response) {
  const h = response.headers;
  return {
    csp: h.get('content-security-policy'),
    nosniff: h.get('x-content-type-options'),
    frame: h.get('x-frame-options'),
    hsts: h.get('strict-transport-security'),
    referrer: h.get('referrer-policy'),
    coop: h.get('cross-origin-opener-policy'),
    corp: h.get('cross-origin-resource-policy'),
  };
}

const HELMET = {
  csp: expect.stringMatching(/^default-src 'self';.*script-src 'self';.*upgrade-insecure-requests$/),
  nosniff: 'nosniff',
  frame: 'SAMEORIGIN',
  hsts: 'max-age=31536000; includeSubDomains',
  referrer: 'no-referrer',
  coop: 'same-origin',
  corp: 'same-origin',
};

/** Every `access-control-*` header of a response. */
const corsHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

const streamChat = (t: TestServer, headers: Record<string, string> = {}) =>
  postChatStream(t.url, { message: 'How do I cancel a generation?' }, { headers });

describe('security headers', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('are on JSON responses and problem documents; an event stream carries only its own few', async () => {
    expect(helmetHeaders(await request(`${t.url}/v1/conversations`))).toEqual(HELMET);
    expect(helmetHeaders(await request(`${t.url}/v1/nope`))).toEqual(HELMET);
    const { response, events } = await streamChat(t);
    expect(events.at(-1)?.event).toBe('done');
    // What a proxy and a browser need of an event stream, and nothing meant for documents (CSP, HSTS…).
    expect([...response.headers.keys()].sort()).toEqual([
      'cache-control',
      'connection',
      'content-type',
      'date',
      'keep-alive',
      'transfer-encoding',
      'x-accel-buffering',
      'x-request-id',
      'x-run-id',
    ]);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
  });

  it('let Swagger UI load over plain HTTP: /docs has no upgrade-insecure-requests, the rest of the policy stays', async () => {
    for (const path of ['/docs', '/docs/static/swagger-ui-bundle.js']) {
      const response = await request(`${t.url}${path}`);
      expect(response.status, path).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self';");
      expect(csp, path).toContain("script-src 'self';");
      expect(csp, path).not.toContain('upgrade-insecure-requests');
    }
  });

  it('send no CORS headers, and answer no preflight, when CORS_ORIGINS is unset', async () => {
    const response = await request(`${t.url}/v1/conversations`, { headers: { origin: APP } });
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual({});
    const { response: stream } = await streamChat(t, { origin: APP });
    expect(corsHeaders(stream)).toEqual({});
    const preflight = await request(`${t.url}/v1/chat`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(404);
    expect(corsHeaders(preflight)).toEqual({});
  });
});

describe('CORS with CORS_ORIGINS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: { CORS_ORIGINS: `${APP},${ADMIN}`, AUTH_MODE: 'jwt', JWT_SECRET: 'j'.repeat(40) },
    });
  });
  afterAll(() => t.close());

  const ALLOWED = {
    'access-control-allow-origin': APP,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-request-id, ratelimit, ratelimit-policy, retry-after, x-run-id',
  };

  it('answers a listed origin’s preflight before auth, with credentials', async () => {
    const preflight = await request(`${t.url}/v1/chat`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(corsHeaders(preflight)).toEqual({
      ...ALLOWED,
      'access-control-allow-methods': 'GET, HEAD, POST, DELETE',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '600',
    });
  });

  it('echoes a listed origin with credentials on responses and on event streams', async () => {
    const token = await new SignJWT({ sub: 'frank' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('j'.repeat(40)));
    const json = await request(`${t.url}/v1/conversations`, {
      headers: { origin: APP, authorization: `Bearer ${token}` },
    });
    expect(json.status).toBe(200);
    expect(corsHeaders(json)).toEqual(ALLOWED);
    expect(json.headers.get('vary')).toContain('Origin');

    const { response, events } = await streamChat(t, { origin: APP, authorization: `Bearer ${token}` });
    expect(events.at(-1)?.event).toBe('done');
    expect(corsHeaders(response)).toEqual(ALLOWED);
    expect(response.headers.get('vary')).toContain('Origin');

    // A refusal stays readable by the page: the 401 carries the same headers.
    const refused = await request(`${t.url}/v1/conversations`, { headers: { origin: APP } });
    expect(refused.status).toBe(401);
    expect(corsHeaders(refused)).toEqual(ALLOWED);
  });

  it('gives a foreign origin no CORS headers at all', async () => {
    const response = await request(`${t.url}/v1/conversations`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(corsHeaders(response)).toEqual({});
    const preflight = await request(`${t.url}/v1/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).not.toBe(204);
    expect(corsHeaders(preflight)).toEqual({});
  });
});
