import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, type TestServer, tableCounts } from './helpers/test-server.js';

const SECRET = 'x'.repeat(40);
const ADMIN = 'a'.repeat(40);
const enc = new TextEncoder();

function hs256(claims: Record<string, unknown>, secret = SECRET) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (!('exp' in claims)) jwt.setExpirationTime('5m');
  return jwt.sign(enc.encode(secret));
}

/** A JWT with `alg: none`: header and payload, empty signature. */
function unsecured(claims: Record<string, unknown>) {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

const call = (t: TestServer, path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${t.url}${path}`, {
    ...init,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

describe('JWT (HS256) auth', () => {
  let t: TestServer;
  const logs: string[] = [];
  beforeAll(async () => {
    t = await startTestServer({
      logSink: logs,
      env: {
        AUTH_MODE: 'jwt,api_key',
        JWT_SECRET: SECRET,
        JWT_ISSUER: 'https://issuer.test',
        JWT_AUDIENCE: 'streamforge',
        ADMIN_TOKEN: ADMIN,
      },
    });
  });
  afterAll(() => t.close());

  const good = (sub = 'alice', extra: Record<string, unknown> = {}) =>
    hs256({ sub, iss: 'https://issuer.test', aud: 'streamforge', ...extra });

  it('accepts a valid token and acts for its subject', async () => {
    const response = await call(t, '/v1/conversations', await good());
    expect(response.status).toBe(200);
  });

  it.each([
    ['no credentials', async () => undefined],
    [
      'a forged signature',
      async () => hs256({ sub: 'alice', iss: 'https://issuer.test', aud: 'streamforge' }, 'y'.repeat(40)),
    ],
    ['an expired token', async () => good('alice', { exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a token not valid yet', async () => good('alice', { nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['the wrong issuer', async () => hs256({ sub: 'alice', iss: 'https://evil.test', aud: 'streamforge' })],
    ['the wrong audience', async () => hs256({ sub: 'alice', iss: 'https://issuer.test', aud: 'other' })],
    ['no subject', async () => hs256({ iss: 'https://issuer.test', aud: 'streamforge' })],
    [
      'alg: none',
      async () =>
        unsecured({
          sub: 'alice',
          iss: 'https://issuer.test',
          aud: 'streamforge',
          exp: Math.floor(Date.now() / 1000) + 60,
        }),
    ],
    [
      'an RS256 token where HS256 is configured',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ sub: 'alice', iss: 'https://issuer.test', aud: 'streamforge' })
          .setProtectedHeader({ alg: 'RS256' })
          .setExpirationTime('5m')
          .sign(privateKey);
      },
    ],
    ['garbage', async () => 'not.a.jwt'],
    ['an unknown API key', async () => 'sk_sf_notarealkey'],
  ])('rejects %s with 401 problem+json and WWW-Authenticate', async (_name, make) => {
    const response = await call(t, '/v1/conversations', await make());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await readJson(response)).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('leaves discovery, health and docs open', async () => {
    for (const path of ['/', '/health', '/ready', '/openapi.json'])
      expect((await call(t, path)).status).toBe(200);
  });

  it('manages API keys through admin routes; keys are stored hashed, shown once, and revocable', async () => {
    expect((await call(t, '/v1/admin/api-keys', await good())).status).toBe(401);
    const created = await call(t, '/v1/admin/api-keys', ADMIN, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'bob', name: 'ci' }),
    }).then(readJson);
    expect(created.key).toMatch(/^sk_sf_/);
    const [stored] = await t.db.query<{ hash: string }>('select hash from api_keys where id = $1', [
      created.id,
    ]);
    expect(stored?.hash).not.toContain(created.key);
    expect(JSON.stringify(await call(t, '/v1/admin/api-keys', ADMIN).then(readJson))).not.toContain(
      created.key,
    );

    const conversation = await call(t, '/v1/conversations', created.key, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"bob\'s"}',
    }).then(readJson);
    const [row] = await t.db.query<{ user_id: string }>('select user_id from conversations where id = $1', [
      conversation.id,
    ]);
    expect(row?.user_id).toBe('bob');

    expect((await call(t, `/v1/admin/api-keys/${created.id}`, ADMIN, { method: 'DELETE' })).status).toBe(200);
    expect((await call(t, '/v1/conversations', created.key)).status).toBe(401);
  });

  it('never writes the Authorization header or a token to the log', async () => {
    const token = await good();
    await call(t, '/v1/conversations', token);
    await call(t, '/v1/conversations', 'sk_sf_leakcheck');
    const all = logs.join('');
    expect(all).toContain('request completed');
    expect(all).not.toContain(token);
    expect(all).not.toContain('sk_sf_leakcheck');
    expect(all).not.toContain(ADMIN);
  });
});

describe('JWT (RS256 from a JWKS) auth', () => {
  let t: TestServer;
  let jwks: http.Server;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    t = await startTestServer({ env: { AUTH_MODE: 'jwt', JWT_JWKS_URL: url } });
  });
  afterAll(async () => {
    await t.close();
    jwks.close();
  });

  it('accepts a token signed by a key of the JWKS', async () => {
    const token = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(keys.privateKey);
    expect((await call(t, '/v1/conversations', token)).status).toBe(200);
  });

  it('refuses the HS/RS confusion: an HS256 token whose secret is the public key', async () => {
    const pem = await exportSPKI(keys.publicKey);
    const token = await hs256({ sub: 'mallory' }, pem);
    expect((await call(t, '/v1/conversations', token)).status).toBe(401);
  });
});

describe('ownership: another user’s ids answer 404 everywhere and change nothing', () => {
  let t: TestServer;
  let alice: string;
  let bob: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestServer({
      env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, MAX_MESSAGES_PER_CONVERSATION: '4' },
    });
    alice = await hs256({ sub: 'alice' });
    bob = await hs256({ sub: 'bob' });
    const reply = await call(t, '/v1/chat', alice, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'How do I cancel a generation?', stream: false }),
    }).then(readJson);
    ids.conversation = reply.conversation_id;
    ids.run = reply.run_id;
    const form = new FormData();
    form.append('file', new Blob(['# Alice\n\nPrivate notes about the moon base.']), 'alice.md');
    const doc = await fetch(`${t.url}/v1/documents`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${alice}` },
    }).then(readJson);
    ids.document = doc.files[0].document.id;
  });
  afterAll(() => t.close());

  const json = { 'content-type': 'application/json' };
  const attempts = () =>
    [
      ['GET', `/v1/conversations/${ids.conversation}`],
      ['DELETE', `/v1/conversations/${ids.conversation}`],
      ['POST', '/v1/chat', { message: 'hi', conversation_id: ids.conversation }],
      ['POST', `/v1/conversations/${ids.conversation}/regenerate`, { stream: false }],
      ['POST', '/v1/chat', { message: 'moon base', rag: { document_ids: [ids.document] } }],
      ['GET', `/v1/documents/${ids.document}`],
      ['GET', `/v1/documents/${ids.document}/chunks`],
      ['DELETE', `/v1/documents/${ids.document}`],
      ['POST', '/v1/search', { query: 'moon base', document_ids: [ids.document] }],
      ['GET', `/v1/runs/${ids.run}`],
      ['GET', `/v1/runs/${ids.run}/events`],
      ['POST', `/v1/runs/${ids.run}/cancel`],
      ['POST', '/v1/stream-tokens', { run_id: ids.run }],
    ] as const;

  it('answers 404 to every route with alice’s ids when bob asks, and writes nothing', async () => {
    for (const [method, path, body] of attempts()) {
      const before = await tableCounts(t.db);
      const response = await call(t, path, bob, {
        method,
        ...(body ? { headers: json, body: JSON.stringify(body) } : {}),
      });
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(await tableCounts(t.db)).toEqual(before);
    }
    // Alice still has everything.
    expect((await call(t, `/v1/conversations/${ids.conversation}`, alice)).status).toBe(200);
    expect((await call(t, `/v1/documents/${ids.document}`, alice)).status).toBe(200);
    const text = await call(t, `/v1/documents/${ids.document}/chunks`, alice);
    expect(text.status).toBe(200);
    const { document, chunks } = (await text.json()) as { document: { id: string }; chunks: unknown[] };
    expect(document.id).toBe(ids.document);
    expect(chunks.length).toBeGreaterThan(0);
  });

  it('lists and searches only the user’s own data', async () => {
    expect((await call(t, '/v1/conversations', bob).then(readJson)).data).toEqual([]);
    expect((await call(t, '/v1/documents', bob).then(readJson)).data).toEqual([]);
    const found = await call(t, '/v1/search', bob, {
      method: 'POST',
      headers: json,
      body: '{"query":"moon base"}',
    }).then(readJson);
    expect(found.results).toEqual([]);
    // Bob's chat does not retrieve Alice's document.
    const reply = await call(t, '/v1/chat', bob, {
      method: 'POST',
      headers: json,
      body: '{"message":"moon base notes","stream":false}',
    }).then(readJson);
    expect(reply.sources).toEqual([]);
  });

  it('stream tokens read only the run they name, for its owner', async () => {
    const issued = await call(t, '/v1/stream-tokens', alice, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ run_id: ids.run }),
    }).then(readJson);
    const ok = await fetch(`${t.url}/v1/runs/${ids.run}/events?token=${issued.token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('event: done');
    expect((await fetch(`${t.url}/v1/runs/run_other/events?token=${issued.token}`)).status).toBe(401);
    expect((await fetch(`${t.url}/v1/conversations?token=${issued.token}`)).status).toBe(401);
    const ws = await call(t, '/v1/stream-tokens', alice, {
      method: 'POST',
      headers: json,
      body: '{"socket":true}',
    }).then(readJson);
    expect((await fetch(`${t.url}/v1/runs/${ids.run}/events?token=${ws.token}`)).status).toBe(401);
    const tampered = `${issued.token.slice(0, -2)}AA`;
    expect((await fetch(`${t.url}/v1/runs/${ids.run}/events?token=${tampered}`)).status).toBe(401);
  });

  it('refuses a turn past the conversation’s message limit with 422, writing nothing', async () => {
    const body = JSON.stringify({ message: 'again', conversation_id: ids.conversation, stream: false });
    // The conversation has 2 messages; the limit is 4: one more turn fits, the next does not.
    expect((await call(t, '/v1/chat', alice, { method: 'POST', headers: json, body })).status).toBe(200);
    const before = await tableCounts(t.db);
    const refused = await call(t, '/v1/chat', alice, { method: 'POST', headers: json, body });
    expect(refused.status).toBe(422);
    expect(await readJson(refused)).toMatchObject({ code: 'conversation_full' });
    expect(await tableCounts(t.db)).toEqual(before);
  });
});

describe('configuration that cannot work fails at start', () => {
  it.each([
    [{ AUTH_MODE: 'jwt' }, 'set JWT_SECRET'],
    [{ AUTH_MODE: 'api_key' }, 'set ADMIN_TOKEN'],
    [{ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, CORS_ORIGINS: '*' }, 'not allowed with credentials'],
    [{ AUTH_MODE: 'oauth' }, 'must be none, jwt, api_key'],
  ])('%o', async (env, message) => {
    await expect(startTestServer({ env })).rejects.toThrow(message);
  });
});

describe('sockets under auth', () => {
  let t: TestServer;
  let alice: string;
  beforeAll(async () => {
    t = await startTestServer({ env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET } });
    alice = await hs256({ sub: 'alice' });
  });
  afterAll(() => t.close());

  it('opens /v1/ws with a stream token (browsers cannot send headers) and refuses it without', async () => {
    const { WsTestClient } = await import('./helpers/ws-client.js');
    await expect(WsTestClient.open(t.url)).rejects.toThrow(/401/);
    const issued = await call(t, '/v1/stream-tokens', alice, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"socket":true}',
    }).then(readJson);
    const client = await WsTestClient.open(`${t.url}`, { headers: {} }, issued.token);
    client.send({ type: 'chat', message: 'How are events numbered?', request_id: 'r1' });
    const runId = await client.runIdOf('r1');
    const events = await client.runEvents(runId);
    expect(events.at(-1)?.type).toBe('done');
    const [run] = await t.db.query<{ user_id: string }>('select user_id from runs where id = $1', [runId]);
    expect(run?.user_id).toBe('alice');
    await client.close();
  });

  it('authenticates Socket.IO clients from the handshake', async () => {
    const { io } = await import('socket.io-client');
    const refused = io(t.url, { path: '/socket.io', transports: ['websocket'], reconnection: false });
    const error = await new Promise<Error>((resolve) => refused.on('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
    refused.close();
    const socket = io(t.url, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token: alice },
      reconnection: false,
    });
    socket.emit('chat_stream', { message: 'How are events numbered?' });
    const complete = await new Promise<{ session_id: string }>((resolve) =>
      socket.on('chat_complete', resolve),
    );
    socket.close();
    const [row] = await t.db.query<{ user_id: string }>('select user_id from conversations where id = $1', [
      complete.session_id,
    ]);
    expect(row?.user_id).toBe('alice');
  });
});
