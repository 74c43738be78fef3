import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy, throughProxy } from './helpers/fault-proxy.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);

/** Resolves once `predicate` holds, looking every 20 ms; the test's own timeout is the outer bound. */
async function until(predicate: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 20));
}

const tokenText = (events: ParsedEvent[]) =>
  events
    .filter((e) => e.event === 'token')
    .map((e) => e.data.delta)
    .join('');

/** The stored assistant message of a conversation (the last message). */
async function storedAnswer(
  url: string,
  conversationId: string,
): Promise<{ content: string; status: string }> {
  const response = await fetch(`${url}/v1/conversations/${conversationId}`);
  expect(response.status).toBe(200);
  const detail = (await response.json()) as { messages: { role: string; content: string; status: string }[] };
  const last = detail.messages.at(-1);
  if (!last || last.role !== 'assistant') throw new Error('no stored answer');
  return last;
}

const strip = (events: ParsedEvent[]) => events.map((e) => [e.id, e.event, e.data]);

function expectExactIds(events: ParsedEvent[]): void {
  expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
}

describe.skipIf(!DATABASE_URL)('PostgreSQL goes away while a run streams', () => {
  const url = new URL(DATABASE_URL ?? 'postgres://x');
  let proxy: FaultProxy;
  let a: TestServer;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = () => resolve();
  });
  const model = new ScriptedModel({ deltas: words(30), pauseAfter: 5, resumeWhen: released, delayMs: 2 });
  const logLines: string[] = [];

  beforeAll(async () => {
    proxy = await startFaultProxy(url.hostname, Number(url.port || 5432));
    a = await startTestServer({
      engine: 'postgres',
      postgresUrl: throughProxy(DATABASE_URL ?? '', proxy),
      configureModels: (m) => m.register('test:paced', model),
      logSink: logLines,
    });
  });
  afterEach(() => {
    proxy.restore();
  });
  afterAll(async () => {
    release();
    proxy?.restore();
    await a?.close();
    await proxy?.close();
  });

  it('keeps the answer: the final save is tried again until the database is back, and clients get 503, not 500', async () => {
    let tokens = 0;
    let doneWhileDown = false;
    let down = false;
    const streaming = postChatStream(
      a.url,
      { message: 'save me', model: 'test:paced' },
      {
        onEvent: (e) => {
          if (e.event === 'token') tokens++;
          if (e.event === 'done' && down) doneWhileDown = true;
          if (e.event === 'token' && tokens === 5) {
            proxy.drop();
            down = true;
            release();
          }
        },
      },
    );
    await until(() => tokens === 30);
    // The database is away: requests that need it are refused as unavailable, with Retry-After.
    const list = await fetch(`${a.url}/v1/conversations`);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('1');
    expect(await list.json()).toMatchObject({ code: 'database_unavailable' });
    const chat = await fetch(`${a.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'while down', model: 'test:paced' }),
    });
    expect(chat.status).toBe(503);
    await until(() => logLines.some((l) => l.includes('saving the answer again')));
    expect(doneWhileDown).toBe(false);

    down = false;
    proxy.restore();
    const { events } = await streaming;
    expectExactIds(events);
    expect(events.at(-1)?.event).toBe('done');
    const start = events[0]?.data as unknown as { conversation_id: string };
    const stored = await storedAnswer(a.url, start.conversation_id);
    expect(stored).toMatchObject({ status: 'complete', content: words(30).join('') });
    expect(tokenText(events)).toBe(stored.content);
    // No request failed as a 500.
    expect(logLines.filter((l) => l.includes('request failed'))).toEqual([]);
  });
});

/** Follows a run's events through `url` from `after`, recording each event as it arrives. */
function followLive(url: string, runId: string, after = 0) {
  const events: ParsedEvent[] = [];
  const ended = (async () => {
    const { createParser } = await import('eventsource-parser');
    const response = await fetch(`${url}/v1/runs/${runId}/events?after=${after}`);
    expect(response.status).toBe(200);
    const parser = createParser({
      onEvent: (m) =>
        events.push({ id: Number(m.id), event: m.event ?? '', data: JSON.parse(m.data), read: 0 }),
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }));
    return events;
  })();
  return { events, ended };
}

describe.skipIf(!DATABASE_URL || !REDIS_URL)('Redis goes away while runs stream on two instances', () => {
  const prefix = `sftest:${randomBytes(4).toString('hex')}:`;
  let proxy: FaultProxy;
  let a: TestServer;
  let b: TestServer;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = () => resolve();
  });
  const model = new ScriptedModel({ deltas: words(40), pauseAfter: 10, resumeWhen: released, delayMs: 2 });

  beforeAll(async () => {
    const redis = new URL(REDIS_URL ?? 'redis://x');
    proxy = await startFaultProxy(redis.hostname, Number(redis.port || 6379));
    const env = {
      REDIS_URL: throughProxy(REDIS_URL ?? '', proxy),
      REDIS_PREFIX: prefix,
      MAX_CONCURRENT_RUNS_PER_USER: '10',
    };
    a = await startTestServer({
      engine: 'postgres',
      env,
      configureModels: (m) => m.register('test:paced', model),
    });
    b = await startTestServer({ shareDatabaseWith: a, env });
  });
  afterAll(async () => {
    release();
    proxy?.restore();
    await b?.server.close();
    await a?.close();
    await proxy?.close();
  });

  it('loses no event: followers on the other instance are told to reconnect, and the log is whole afterwards', async () => {
    const runs = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        let resolveStart!: (v: { runId: string; conversationId: string }) => void;
        const started = new Promise<{ runId: string; conversationId: string }>((r) => {
          resolveStart = r;
        });
        const onA = postChatStream(
          a.url,
          { message: `run ${i}`, model: 'test:paced' },
          {
            onEvent: (e) => {
              if (e.event === 'start')
                resolveStart({
                  runId: String(e.data.run_id),
                  conversationId: String(e.data.conversation_id),
                });
            },
          },
        );
        const ids = await started;
        return { ...ids, onA, onB: followLive(b.url, ids.runId) };
      }),
    );
    const tokensOf = (es: ParsedEvent[]) => es.filter((e) => e.event === 'token').length;
    await until(() => runs.every((r) => tokensOf(r.onB.events) === 10));

    // Redis goes away while every run waits for its model (mid-answer, nothing written since).
    proxy.drop();
    // Every follower on B is told to reconnect, with the last id it has.
    const onB = await Promise.all(runs.map((r) => r.onB.ended));
    for (const events of onB) {
      const last = events.at(-1);
      expect(last?.event).toBe('reconnect');
      expect(last?.data.after).toBe(events.at(-2)?.id);
    }
    const resume = await fetch(`${b.url}/v1/runs/${runs[0]?.runId}/events?after=0`);
    expect(resume.status).toBe(503);
    expect(resume.headers.get('retry-after')).toBe('1');
    expect(await resume.json()).toMatchObject({ code: 'run_log_unavailable' });
    const cancel = await fetch(`${b.url}/v1/runs/${runs[0]?.runId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(503);
    expect((await fetch(`${b.url}/ready`)).status).toBe(503);

    // The models go on while Redis is away: A keeps what it could not write.
    release();

    // The runs on A finish and are stored whole while Redis is away.
    const onA = await Promise.all(runs.map((r) => r.onA));
    for (const [i, { events }] of onA.entries()) {
      expectExactIds(events);
      expect(events.at(-1)?.event).toBe('done');
      expect(tokenText(events)).toBe(words(40).join(''));
      expect(await storedAnswer(a.url, runs[i]?.conversationId ?? '')).toMatchObject({
        status: 'complete',
        content: words(40).join(''),
      });
    }

    proxy.restore();
    // Resumed from where they were told to, the followers on B get exactly the rest.
    for (const [i, r] of runs.entries()) {
      const before = (onB[i] ?? []).filter((e) => e.event !== 'reconnect');
      await until(async () => {
        const probe = await fetch(`${b.url}/v1/runs/${r.runId}/events?after=${before.at(-1)?.id}`);
        await probe.body?.cancel();
        return probe.status === 200;
      });
      const rest = await followLive(b.url, r.runId, before.at(-1)?.id).ended;
      const joined = [...before, ...rest];
      expectExactIds(joined);
      expect(joined.at(-1)?.event).toBe('done');
      expect(tokenText(joined)).toBe(words(40).join(''));
      // And the whole log, read on B from Redis, is what A streamed.
      const whole = await followLive(b.url, r.runId, 0).ended;
      expect(strip(whole)).toEqual(strip(onA[i]?.events ?? []));
    }
  }, 120_000);
});

describe.skipIf(!DATABASE_URL || !REDIS_URL)('Redis stays away longer than RUN_LOG_OUTAGE_MS', () => {
  const prefix = `sftest:${randomBytes(4).toString('hex')}:`;
  let proxy: FaultProxy;
  let a: TestServer;
  let b: TestServer;
  const endless = new ScriptedModel({ deltas: words(100_000), delayMs: 5 });

  beforeAll(async () => {
    const redis = new URL(REDIS_URL ?? 'redis://x');
    proxy = await startFaultProxy(redis.hostname, Number(redis.port || 6379));
    a = await startTestServer({
      engine: 'postgres',
      env: {
        REDIS_URL: throughProxy(REDIS_URL ?? '', proxy),
        REDIS_PREFIX: prefix,
        RUN_LOG_OUTAGE_MS: '1000',
      },
      configureModels: (m) => m.register('test:endless', endless),
    });
    // B reads Redis directly: what it sees is what A managed to write.
    b = await startTestServer({
      shareDatabaseWith: a,
      env: { REDIS_URL: REDIS_URL ?? '', REDIS_PREFIX: prefix },
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await b?.server.close();
    await a?.close();
    await proxy?.close();
  });

  it('stops the answer with a clear error, keeps its text, and writes the whole log once Redis is back', async () => {
    const { events } = await postChatStream(
      a.url,
      { message: 'go on', model: 'test:endless' },
      {
        onEvent: (e) => {
          if (e.event === 'token' && e.data.delta === ' w4') proxy.drop();
        },
      },
    );
    expectExactIds(events);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'run_log_unavailable' } });
    const start = events[0]?.data as unknown as { run_id: string; conversation_id: string };
    const stored = await storedAnswer(a.url, start.conversation_id);
    expect(stored.status).toBe('failed');
    expect(stored.content).toBe(tokenText(events));

    proxy.restore();
    // A writes what it kept, in order, with the same ids: B, reading Redis, gets exactly the streamed events.
    let inRedis: ParsedEvent[] = [];
    await until(async () => {
      inRedis = await followLive(b.url, start.run_id, 0).ended;
      return inRedis.at(-1)?.event === 'error';
    });
    expect(strip(inRedis)).toEqual(strip(events));
  }, 120_000);
});
