import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunId } from '../src/protocol/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { postChatStream } from './helpers/sse-client.js';
import type { ModelRegistry } from '../src/models/index.js';
import { ENGINES, startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

const SECRET = 's'.repeat(40);

const tokenFor = (sub: string) =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

function post(url: string, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

const chat = (url: string, token?: string) =>
  post(url, '/v1/chat', { message: 'How do I cancel a generation?', stream: false }, token);

/** The rate-limit headers of a response, with the reset checked against its window and the RateLimit field. */
function limitHeaders(response: Response) {
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  expect(reset).toBeGreaterThan(0);
  expect(reset).toBeLessThanOrEqual(60);
  expect(response.headers.get('ratelimit')).toMatch(new RegExp(`;t=${reset}$`));
  return {
    limit: response.headers.get('x-ratelimit-limit'),
    remaining: response.headers.get('x-ratelimit-remaining'),
    policy: response.headers.get('ratelimit-policy'),
    ratelimit: response.headers.get('ratelimit')?.replace(/;t=\d+$/, ''),
  };
}

describe('rate limits per user and route group', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: { RATE_LIMIT_CHAT_PER_MIN: '30', AUTH_MODE: 'jwt', JWT_SECRET: SECRET },
    });
  });
  afterAll(() => t.close());

  it('lets exactly 30 chats a minute through, then answers 429 rate_limited with Retry-After and writes nothing', async () => {
    const alice = await tokenFor('alice');
    for (let i = 1; i <= 30; i++) {
      const response = await chat(t.url, alice);
      expect(response.status).toBe(200);
      await response.json();
      expect(limitHeaders(response)).toEqual({
        limit: '30',
        remaining: String(30 - i),
        policy: '"chat";q=30;w=60',
        ratelimit: `"chat";r=${30 - i}`,
      });
    }
    const before = await tableCounts(t.db);

    const refused = await chat(t.url, alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(limitHeaders(refused)).toEqual({
      limit: '30',
      remaining: '0',
      policy: '"chat";q=30;w=60',
      ratelimit: '"chat";r=0',
    });
    expect(refused.headers.get('retry-after')).toBe(refused.headers.get('x-ratelimit-reset'));
    expect(await readJson(refused)).toMatchObject({
      status: 429,
      code: 'rate_limited',
      title: 'Too Many Requests',
      instance: '/v1/chat',
      detail: expect.stringMatching(/^At most 30 chat requests a minute; try again in \d+ s\.$/),
    });
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('keeps a budget per user: another user still chats', async () => {
    const response = await chat(t.url, await tokenFor('bob'));
    expect(response.status).toBe(200);
    await response.json();
    expect(limitHeaders(response)).toMatchObject({ remaining: '29' });
  });

  it('keeps a budget per group: search and the other /v1 routes of a limited user still answer', async () => {
    const alice = await tokenFor('alice');
    const search = await post(t.url, '/v1/search', { query: 'chain cleaning' }, alice);
    expect(search.status).toBe(200);
    await search.json();
    expect(limitHeaders(search)).toEqual({
      limit: '60',
      remaining: '59',
      policy: '"documents";q=60;w=60',
      ratelimit: '"documents";r=59',
    });
    const list = await fetch(`${t.url}/v1/conversations`, { headers: { authorization: `Bearer ${alice}` } });
    expect(list.status).toBe(200);
    await list.json();
    expect(limitHeaders(list)).toEqual({
      limit: '600',
      remaining: '599',
      policy: '"default";q=600;w=60',
      ratelimit: '"default";r=599',
    });
  });

  it('does not limit health, readiness, metrics, docs or discovery', async () => {
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json', '/docs', '/']) {
      const response = await fetch(`${t.url}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
      expect(response.headers.get('ratelimit'), path).toBeNull();
      expect(response.headers.get('x-ratelimit-limit'), path).toBeNull();
    }
  });

  it('counts event streams too; their budget shows on the next JSON reply, not on the stream', async () => {
    const carol = await tokenFor('carol');
    const { response, events } = await postChatStream(
      t.url,
      { message: 'How do I cancel a generation?' },
      { headers: { authorization: `Bearer ${carol}` } },
    );
    expect(events.at(-1)?.event).toBe('done');
    // An event stream carries only the headers its reader needs.
    expect(response.headers.get('ratelimit')).toBeNull();
    const next = await chat(t.url, carol);
    await next.json();
    expect(limitHeaders(next)).toMatchObject({ remaining: '28', ratelimit: '"chat";r=28' });
  });
});

const redisUrl = process.env.REDIS_URL;
describe.skipIf(!redisUrl || !process.env.DATABASE_URL)('rate limits across instances (Redis)', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const env = {
      REDIS_URL: redisUrl ?? '',
      REDIS_PREFIX: `sf-test-${randomBytes(4).toString('hex')}:`,
      RATE_LIMIT_CHAT_PER_MIN: '4',
    };
    a = await startTestServer({ engine: 'postgres', env });
    b = await startTestServer({ shareDatabaseWith: a, env });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('shares one budget: 2 chats on A and 2 on B pass, the next on either is 429', async () => {
    const remaining: string[] = [];
    for (const t of [a, a, b, b]) {
      const response = await chat(t.url);
      expect(response.status).toBe(200);
      await response.json();
      remaining.push(response.headers.get('x-ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const t of [a, b]) {
      const refused = await chat(t.url);
      expect(refused.status).toBe(429);
      expect(await readJson(refused)).toMatchObject({ code: 'rate_limited' });
    }
  });
});

describe('concurrent runs per user', () => {
  let t: TestServer;
  const hang = new ScriptedModel({ deltas: ['never'], hangAfter: 0 });
  beforeAll(async () => {
    t = await startTestServer({
      env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET },
      configureModels: (m) => m.register('test:hang', hang),
    });
  });
  afterAll(() => t.close());

  /** Starts a run that never ends by itself, and leaves its stream (the run goes on without subscribers). */
  async function startHangingRun(token: string): Promise<RunId> {
    let runId = '' as RunId;
    const { response } = await postChatStream(
      t.url,
      { message: 'Wait for it', model: 'test:hang' },
      {
        headers: { authorization: `Bearer ${token}` },
        onEvent: (e, leave) => {
          if (e.event === 'start') {
            runId = e.data.run_id as RunId;
            leave();
          }
        },
      },
    );
    expect(response.status).toBe(200);
    return runId;
  }

  it('refuses a 4th running run of a user with 429 too_many_runs and Retry-After: 1, writing nothing', async () => {
    const dana = await tokenFor('dana');
    const runs: RunId[] = [];
    for (let i = 0; i < 3; i++) runs.push(await startHangingRun(dana));
    const before = await tableCounts(t.db);

    const refused = await post(t.url, '/v1/chat', { message: 'One more', model: 'test:hang' }, dana);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await readJson(refused)).toMatchObject({ status: 429, code: 'too_many_runs' });
    expect(await tableCounts(t.db)).toEqual(before);

    // Another user has slots of their own.
    const other = await chat(t.url, await tokenFor('erin'));
    expect(other.status).toBe(200);
    await other.json();

    // A run that ends frees its slot.
    const cancelled = await fetch(`${t.url}/v1/runs/${runs[0]}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dana}` },
    });
    expect(cancelled.status).toBe(202);
    await cancelled.arrayBuffer();
    await t.server.runs.whenSettled(runs[0] as RunId);
    const again = await chat(t.url, dana);
    expect(again.status).toBe(200);
    await again.json();
  });
});

describe.each(ENGINES)('the concurrent-run cap under simultaneous requests (%s)', (engine) => {
  const hang = new ScriptedModel({ deltas: ['never'], hangAfter: 0 });
  const servers: TestServer[] = [];
  beforeAll(async () => {
    const env = { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, MAX_CONCURRENT_RUNS_PER_USER: '3' };
    const configureModels = (m: ModelRegistry) => m.register('test:hang', hang);
    const first = await startTestServer({ engine, env, configureModels });
    servers.push(first);
    // PostgreSQL: a second instance on the same database, as behind a load balancer.
    if (engine === 'postgres')
      servers.push(await startTestServer({ env, configureModels, shareDatabaseWith: first }));
  });
  afterAll(async () => {
    for (const s of servers.reverse()) await s.close();
  });

  it('lets exactly 3 of 8 simultaneous requests of one user start a run (regression: the count raced the insert)', async () => {
    const token = await tokenFor('frank');
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(
          servers[i % servers.length]!.url,
          '/v1/chat',
          { message: `Run ${i}`, model: 'test:hang' },
          token,
        ),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    for (const r of responses) await r.body?.cancel();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    const db = servers[0]!.db;
    const running = await db.query<{ id: RunId }>(
      `select id from runs where user_id = 'frank' and status = 'running'`,
    );
    expect(running).toHaveLength(3);
    // Only the accepted turns were written.
    expect(await tableCounts(db)).toMatchObject({ conversations: 3, messages: 6 });
    for (const { id } of running) {
      const cancelled = await post(servers[0]!.url, `/v1/runs/${id}/cancel`, {}, token);
      expect(cancelled.status).toBe(202);
    }
  });
});
