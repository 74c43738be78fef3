import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy, throughProxy } from './helpers/fault-proxy.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const { DATABASE_URL } = process.env;
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
