import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunId } from '../src/protocol/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);

/** Every event of a run read through `url` (any instance) from `after`, until the stream ends. */
async function follow(url: string, runId: string, after = 0): Promise<ParsedEvent[]> {
  const { createParser } = await import('eventsource-parser');
  const response = await fetch(`${url}/v1/runs/${runId}/events?after=${after}`);
  expect(response.status).toBe(200);
  const events: ParsedEvent[] = [];
  const parser = createParser({
    onEvent: (m) =>
      events.push({ id: Number(m.id), event: m.event ?? '', data: JSON.parse(m.data), read: 0 }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}

/** Starts a chat on `url`, returns its run id as soon as `start` arrives, and leaves the run running. */
async function startDetached(url: string, body: object): Promise<{ runId: string; conversationId: string }> {
  let resolve!: (v: { runId: string; conversationId: string }) => void;
  const known = new Promise<{ runId: string; conversationId: string }>((r) => {
    resolve = r;
  });
  void postChatStream(url, body, {
    onEvent: (e, disconnect) => {
      if (e.event === 'start') {
        resolve({ runId: String(e.data.run_id), conversationId: String(e.data.conversation_id) });
        disconnect();
      }
    },
  });
  return known;
}

describe.skipIf(!DATABASE_URL || !REDIS_URL)('several instances on PostgreSQL and Redis', () => {
  const prefix = `sftest:${randomBytes(4).toString('hex')}:`;
  const env = { REDIS_URL: REDIS_URL ?? '', REDIS_PREFIX: prefix, RUN_LEASE_MS: '1000', RUN_SWEEP_MS: '250' };
  let a: TestServer;
  let b: TestServer;
  const slow = new ScriptedModel({ deltas: words(60), delayMs: 10 });
  const stuck = new ScriptedModel({ deltas: words(10), hangAfter: 3 });
  beforeAll(async () => {
    a = await startTestServer({
      engine: 'postgres',
      env,
      configureModels: (m) => m.register('test:slow', slow).register('test:stuck', stuck),
    });
    b = await startTestServer({ shareDatabaseWith: a, env });
  });
  afterAll(async () => {
    await b.server.close();
    await a.close();
  });

  it('a run started on A is resumed on B with the same events, live', async () => {
    const { runId } = await startDetached(a.url, { message: 'go', model: 'test:slow' });
    const onB = await follow(b.url, runId, 0);
    expect(onB.at(-1)?.event).toBe('done');
    const onA = await follow(a.url, runId, 0);
    const strip = (es: ParsedEvent[]) => es.map((e) => [e.id, e.event, e.data]);
    expect(strip(onB)).toEqual(strip(onA));
    expect(onB.filter((e) => e.event === 'token')).toHaveLength(60);
    // Resuming on B from the middle gives exactly the rest.
    expect(strip(await follow(b.url, runId, 30))).toEqual(strip(onA).slice(30));
  });

  it('a cancel sent to B stops the run executing on A', async () => {
    const { runId } = await startDetached(a.url, { message: 'stop me', model: 'test:stuck' });
    const following = follow(b.url, runId, 0);
    const cancel = await fetch(`${b.url}/v1/runs/${runId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    await stuck.aborted;
    await a.server.runs.whenSettled(runId as RunId);
    const events = await following;
    expect(events.at(-1)?.data).toMatchObject({ type: 'done', finish_reason: 'cancelled' });
    expect(await fetch(`${b.url}/v1/runs/${runId}`).then(readJson)).toMatchObject({ status: 'cancelled' });
  });

  it('when the instance running a run is killed, resumers get run_interrupted within 5 s and the partial answer is kept', async () => {
    const child: ChildProcess = fork(fileURLToPath(new URL('./helpers/child-server.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...env,
        DATABASE_URL,
        TEST_PG_SCHEMA: a.schema ?? '',
        LOCAL_TOKEN_DELAY_MS: '30',
        RUN_CHECKPOINT_MS: '200',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      const port = await new Promise<number>((resolve) =>
        child.once('message', (m: { port: number }) => resolve(m.port)),
      );
      const { runId, conversationId } = await startDetached(`http://127.0.0.1:${port}`, {
        message: 'How do I cancel a generation?',
      });
      // Follow it on B; once some tokens arrived, kill the instance running it.
      const { createParser } = await import('eventsource-parser');
      const response = await fetch(`${b.url}/v1/runs/${runId}/events`);
      expect(response.status).toBe(200);
      const events: ParsedEvent[] = [];
      let killedAt = 0;
      const parser = createParser({
        onEvent: (m) => {
          events.push({ id: Number(m.id), event: m.event ?? '', data: JSON.parse(m.data), read: 0 });
          if (m.event === 'token' && events.filter((e) => e.event === 'token').length === 5 && !killedAt) {
            killedAt = Date.now();
            child.kill('SIGKILL');
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }));
      const last = events.at(-1);
      expect(last?.data).toMatchObject({ type: 'error', code: 'run_interrupted', retryable: true });
      expect(Date.now() - killedAt).toBeLessThan(5000);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));

      const received = events
        .filter((e) => e.event === 'token')
        .map((e) => e.data.delta)
        .join('');
      const conversation = await fetch(`${b.url}/v1/conversations/${conversationId}`).then(readJson);
      expect(conversation.messages[1]).toMatchObject({ status: 'interrupted', content: received });
      expect(conversation.active_run).toBeNull();
      expect(await fetch(`${b.url}/v1/runs/${runId}`).then(readJson)).toMatchObject({
        status: 'interrupted',
      });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
