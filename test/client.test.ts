import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type MessageState, type RunEvent, StreamForgeError } from '../src/client/index.js';
import { applyRunEvent, emptyMessageState } from '../src/client/message-state.js';
import { startCuttingProxy } from './helpers/cutting-proxy.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** A seeded PRNG (mulberry32), so a failing cut pattern can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What does not depend on the run: two runs of the same question agree on all the rest. */
function content(state: MessageState) {
  return {
    ...state,
    run_id: undefined,
    conversation_id: undefined,
    message_id: undefined,
    metrics: undefined,
    usage: undefined,
    progress: state.progress.map(({ step, label, status }) => ({ step, label, status })),
  };
}

const fast = { initialDelayMs: 1, maxDelayMs: 5 };

describe('the client library (streamforge/client)', () => {
  let t: TestServer;
  let release: () => void = () => {};
  const paused = new ScriptedModel({
    deltas: ['Half', ' of', ' it', ' and', ' the', ' rest'],
    pauseAfter: 3,
    resumeWhen: new Promise<void>((resolve) => (release = resolve)),
  });
  const hang = new ScriptedModel({ deltas: ['Never', ' ends'], hangAfter: 1 });

  beforeAll(async () => {
    t = await startTestServer({
      configureModels: (m) => m.register('test:paused', paused).register('test:hang', hang),
    });
  });
  afterAll(async () => {
    release();
    await t.close();
  });

  it('streams typed events and a live state: text, progress, table rows, usage', async () => {
    const client = createClient({ baseUrl: t.url });
    const stream = client.chat({ message: 'top 5 products by price' });
    const events: RunEvent[] = [];
    const rowsSeen: number[] = [];
    stream.subscribe((state) => rowsSeen.push(state.components[0]?.rows.length ?? 0));
    for await (const event of stream) events.push(event);
    const state = await stream.done;

    expect(events[0]?.type).toBe('start');
    expect(events.at(-1)?.type).toBe('done');
    expect(stream.runId).toBe(state.run_id);
    expect(state.status).toBe('done');
    expect(state.text).toBe(events.map((e) => (e.type === 'token' ? e.delta : '')).join(''));
    expect(state.text.length).toBeGreaterThan(0);
    expect(state.components).toHaveLength(1);
    expect(state.components[0]).toMatchObject({ kind: 'table', status: 'complete' });
    expect(state.components[0]?.rows).toHaveLength(5);
    // The table filled in steps the listener saw, not all at once.
    expect(new Set(rowsSeen).size).toBeGreaterThanOrEqual(5);
    expect(state.progress.length).toBeGreaterThan(0);
    expect(state.progress.every((p) => p.status !== 'started')).toBe(true);
    expect(state.usage?.output_tokens).toBeGreaterThan(0);
    // The stored message is the same answer.
    const stored = await client.conversations.get(String(state.conversation_id));
    const answer = stored.messages.at(-1);
    expect(answer?.content).toBe(state.text);
    expect(answer?.components).toEqual(state.components);
  });

  it('resumes through connections cut at random points and ends in the state of an uncut run', async () => {
    const direct = createClient({ baseUrl: t.url });
    const question = { message: 'top 10 products by price' };
    const uncut = await direct.chat(question).done;

    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      // Each connection gets 100–1600 bytes of events, then is cut wherever that falls.
      const proxy = await startCuttingProxy(t.url, () => 100 + Math.floor(next() * 1500));
      try {
        const client = createClient({ baseUrl: proxy.url, reconnect: { ...fast, maxAttempts: 50 } });
        const stream = client.chat(question);
        const events: RunEvent[] = [];
        for await (const event of stream) events.push(event);
        const state = await stream.done;

        expect(proxy.cuts).toBeGreaterThan(2);
        expect(content(state)).toEqual(content(uncut));
        // Nothing applied twice or skipped: the very same run, replayed whole without cuts, agrees exactly.
        const replay = await direct.resume(String(stream.runId)).done;
        expect(state).toEqual(replay);
        expect(events.filter((e) => e.type === 'start')).toHaveLength(1);
      } finally {
        await proxy.close();
      }
    }
  });

  it('resume(runId) rejoins a live run from its start, and after an id for only what is new', async () => {
    const client = createClient({ baseUrl: t.url });
    const first = client.chat({ message: 'Tell me', model: 'test:paused' });
    // Wait until the run is live and paused part-way through.
    await new Promise<void>((resolve) => {
      const off = first.subscribe((state) => {
        if (state.text === 'Half of it') {
          off();
          resolve();
        }
      });
    });
    const runId = String(first.runId);
    const rejoined = client.resume(runId);
    const onlyNew = client.resume(runId, { after: first.lastEventId });
    const newEvents: RunEvent[] = [];
    const collecting = (async () => {
      for await (const event of onlyNew) newEvents.push(event);
    })();
    release();
    const [a, b] = await Promise.all([first.done, rejoined.done]);
    await collecting;
    expect(a.text).toBe('Half of it and the rest');
    expect(b).toEqual(a);
    expect(newEvents.map((e) => (e.type === 'token' ? e.delta : e.type))).toEqual([
      ' and',
      ' the',
      ' rest',
      'progress',
      'done',
    ]);
  });

  it('cancel() stops the run on the server, and the stream ends cancelled with the partial answer', async () => {
    const client = createClient({ baseUrl: t.url });
    const stream = client.chat({ message: 'Go', model: 'test:hang' });
    await new Promise<void>((resolve) => stream.subscribe((s) => s.text && resolve()));
    await stream.cancel();
    const state = await stream.done;
    expect(state).toMatchObject({ status: 'cancelled', finish_reason: 'cancelled', text: 'Never' });
    await expect(client.run(String(stream.runId))).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('close() stops listening without stopping the run', async () => {
    const client = createClient({ baseUrl: t.url });
    const stream = client.chat({ message: 'Go', model: 'test:hang' });
    await new Promise<void>((resolve) => stream.subscribe((s) => s.text && resolve()));
    stream.close();
    await expect(stream.done).rejects.toMatchObject({ name: 'AbortError' });
    const events: RunEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.at(-1)?.type).toBe('token');
    await expect(client.run(String(stream.runId))).resolves.toMatchObject({ status: 'running' });
    await client.cancel(String(stream.runId));
  });

  it('gives up after a bounded number of reconnections when the server stays away', async () => {
    // The first connection is cut after a few events; every later one is refused.
    const proxy = await startCuttingProxy(
      t.url,
      () => 600,
      (n) => n > 1,
    );
    try {
      const client = createClient({ baseUrl: proxy.url });
      const stream = client.chat(
        { message: 'Go', model: 'test:hang' },
        { reconnect: { ...fast, maxAttempts: 3 } },
      );
      const error = await stream.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamForgeError);
      expect(error).toMatchObject({ status: 0, code: 'network_error' });
      expect((error as Error).message).toContain('after 3 attempts');
      expect(proxy.connections).toBe(4);
      // An iterator sees the same failure after the events that did arrive.
      const seen: string[] = [];
      await expect(
        (async () => {
          for await (const event of stream) seen.push(event.type);
        })(),
      ).rejects.toBe(error);
      expect(seen[0]).toBe('start');
      await client.cancel(String(stream.runId)).catch(() => {});
      await createClient({ baseUrl: t.url }).cancel(String(stream.runId));
    } finally {
      await proxy.close();
    }
  });

  it('turns problem+json answers into StreamForgeError with the code, for chat and the helpers', async () => {
    const client = createClient({ baseUrl: t.url });
    const bad = client.chat({ message: 'hi', model: 'nope:model' });
    await expect(bad.done).rejects.toMatchObject({ status: 400, code: expect.any(String) });
    const empty = client.chat({ message: '   ' });
    await expect(empty.done).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    await expect(client.conversations.get('missing')).rejects.toMatchObject({
      status: 404,
      code: 'conversation_not_found',
    });
    const down = createClient({ baseUrl: 'http://127.0.0.1:9' });
    await expect(down.models()).rejects.toMatchObject({ status: 0, code: 'network_error' });
    await expect(down.chat({ message: 'hi' }).done).rejects.toMatchObject({ code: 'network_error' });
  });

  it('regenerate() streams a new answer in place of the last one', async () => {
    const client = createClient({ baseUrl: t.url });
    const first = await client.chat({ message: 'How do I cancel a generation?' }).done;
    const conversationId = String(first.conversation_id);
    const again = await client.regenerate(conversationId, { model: 'local' }).done;
    expect(again).toMatchObject({ status: 'done', conversation_id: conversationId, text: first.text });
    expect(again.run_id).not.toBe(first.run_id);
    const messages = (await client.conversations.get(conversationId)).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]?.id).toBe(again.message_id);
    await expect(client.regenerate('conv_missing').done).rejects.toMatchObject({ status: 404 });
  });

  it('has helpers for conversations, documents and search', async () => {
    const client = createClient({ baseUrl: t.url });
    const doc = new Blob(['The Zorblatt engine runs on cold fusion and purple tea.'], { type: 'text/plain' });
    const uploaded = await client.documents.upload([Object.assign(doc, { name: 'zorblatt.txt' })]);
    expect(uploaded.files[0]).toMatchObject({ filename: 'zorblatt.txt', status: 'indexed' });
    const id = String(uploaded.files[0]?.document?.id);
    expect((await client.documents.list()).data.map((d) => d.id)).toContain(id);
    expect(await client.documents.get(id)).toMatchObject({ id, filename: 'zorblatt.txt', chunk_count: 1 });
    const found = await client.documents.search({ query: 'Zorblatt engine' });
    expect(found.results[0]?.document_id).toBe(id);

    const answer = await client.chat({ message: 'What does the Zorblatt engine run on?' }).done;
    expect(answer.sources.map((s) => s.document_id)).toContain(id);

    const created = await client.conversations.create({ title: 'Kept' });
    const page = await client.conversations.list({ limit: 100 });
    expect(page.data.map((c) => c.id)).toEqual(expect.arrayContaining([created.id, answer.conversation_id]));
    await client.conversations.delete(created.id);
    await expect(client.conversations.get(created.id)).rejects.toMatchObject({ status: 404 });
    await client.documents.delete(id);
    expect((await client.documents.list()).data.map((d) => d.id)).not.toContain(id);
    expect((await client.models()).data.map((m) => m.id)).toContain('local');
  });

  it('sends the token as a bearer credential', async () => {
    const secured = await startTestServer({ env: { AUTH_MODE: 'jwt', JWT_SECRET: 'x'.repeat(32) } });
    try {
      const anonymous = createClient({ baseUrl: secured.url });
      await expect(anonymous.models()).rejects.toMatchObject({ status: 401 });
      const { SignJWT } = await import('jose');
      const jwt = await new SignJWT({ sub: 'ann' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('x'.repeat(32)));
      const client = createClient({ baseUrl: secured.url, token: async () => jwt });
      const state = await client.chat({ message: 'What is StreamForge?' }).done;
      expect(state.status).toBe('done');
    } finally {
      await secured.close();
    }
  });
});

describe('applyRunEvent', () => {
  it('keeps one entry per progress step at its latest status, in first-seen order', () => {
    const events: RunEvent[] = [
      { type: 'progress', step: 'history', status: 'started', label: 'Loading', elapsed_ms: 1 },
      { type: 'progress', step: 'generate', status: 'started', label: 'Generating', elapsed_ms: 2 },
      { type: 'progress', step: 'history', status: 'completed', label: 'Loaded', elapsed_ms: 3 },
    ];
    const state = events.reduce(applyRunEvent, emptyMessageState());
    expect(state.progress).toEqual([
      { step: 'history', status: 'completed', label: 'Loaded', elapsed_ms: 3 },
      { step: 'generate', status: 'started', label: 'Generating', elapsed_ms: 2 },
    ]);
  });

  it('leaves the previous state untouched', () => {
    const before = emptyMessageState();
    const after = applyRunEvent(before, { type: 'token', delta: 'x' });
    expect(before.text).toBe('');
    expect(after.text).toBe('x');
  });
});
