import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RunEvent } from '../src/client/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { ENGINES, startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

describe.each(ENGINES)('POST /v1/conversations/:id/regenerate (%s)', (engine) => {
  let t: TestServer;
  const failing = new ScriptedModel({ deltas: ['Half', ' an', ' answer'], failAfter: 2 });
  const hang = new ScriptedModel({ deltas: ['Still', ' going'], hangAfter: 1 });
  const other = new ScriptedModel({ deltas: ['A', ' second', ' try.'] });
  beforeAll(async () => {
    t = await startTestServer({
      engine,
      configureModels: (m) =>
        m.register('test:fail', failing).register('test:hang', hang).register('test:other', other),
    });
  });
  afterAll(() => t.close());

  const regenerate = (id: string, body: unknown = {}) =>
    fetch(`${t.url}/v1/conversations/${id}/regenerate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('replaces the last answer with a new one to the same user message, streamed like a chat', async () => {
    const client = createClient({ baseUrl: t.url });
    const first = await client.chat({ message: 'First question' }).done;
    const conversationId = String(first.conversation_id);
    await client.chat({ message: 'How do I cancel a generation?', conversation_id: conversationId }).done;
    const before = await client.conversations.get(conversationId);

    const response = await regenerate(conversationId, { model: 'test:other' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const runId = String(response.headers.get('x-run-id'));
    await response.text();
    const events: RunEvent[] = [];
    for await (const event of client.resume(runId)) events.push(event);
    const userMessage = before.messages.at(-2);
    expect(events[0]).toMatchObject({
      type: 'start',
      conversation_id: conversationId,
      user_message_id: userMessage?.id,
      model: 'test:other',
    });
    expect(events.at(-1)).toMatchObject({ type: 'done', finish_reason: 'stop' });

    const after = await client.conversations.get(conversationId);
    // Same turns, same user messages; only the last answer is new.
    expect(after.messages.map((m) => m.role)).toEqual(before.messages.map((m) => m.role));
    expect(after.messages.slice(0, -1)).toEqual(before.messages.slice(0, -1));
    expect(after.messages.at(-1)).toMatchObject({
      content: 'A second try.',
      status: 'complete',
      model: 'test:other',
    });
    expect(after.messages.at(-1)?.id).not.toBe(before.messages.at(-1)?.id);
    // The model saw the conversation up to the user message, not the answer it replaces.
    const prompt = other.calls.at(-1)?.prompt ?? [];
    expect(prompt.filter((m) => m.role === 'assistant')).toHaveLength(1);
    expect(JSON.stringify(prompt.at(-1))).toContain('How do I cancel a generation?');
  });

  it('retries a failed answer, and answers with JSON when asked', async () => {
    const client = createClient({ baseUrl: t.url });
    const failed = await client.chat({ message: 'Tell me a story', model: 'test:fail' }).done;
    expect(failed.status).toBe('failed');
    const conversationId = String(failed.conversation_id);
    const counts = await tableCounts(t.db);
    const response = await regenerate(conversationId, { model: 'test:other', stream: false });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toMatchObject({
      conversation_id: conversationId,
      content: 'A second try.',
    });
    // One answer replaced by another: no message more, no message less.
    expect(await tableCounts(t.db)).toEqual(counts);
    const messages = (await client.conversations.get(conversationId)).messages;
    expect(messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
  });

  it('refuses while the last answer is still being generated (409), and changes nothing', async () => {
    const client = createClient({ baseUrl: t.url });
    const stream = client.chat({ message: 'Keep going', model: 'test:hang' });
    await new Promise<void>((resolve) => stream.subscribe((s) => s.text && resolve()));
    const conversationId = String(stream.state.conversation_id);
    const counts = await tableCounts(t.db);
    const response = await regenerate(conversationId);
    expect(response.status).toBe(409);
    expect(await readJson(response)).toMatchObject({ code: 'answer_in_progress' });
    expect(await tableCounts(t.db)).toEqual(counts);
    await stream.cancel();
    expect((await stream.done).status).toBe('cancelled');
    // Cancelled, it can be answered again.
    const again = await regenerate(conversationId, { model: 'test:other', stream: false });
    expect(again.status).toBe(200);
  });

  it('answers 409 for a conversation with nothing to answer, 404 for an unknown one, 400 for a message', async () => {
    const client = createClient({ baseUrl: t.url });
    const empty = await client.conversations.create({ title: 'Empty' });
    const nothing = await regenerate(empty.id);
    expect(nothing.status).toBe(409);
    expect(await readJson(nothing)).toMatchObject({ code: 'nothing_to_regenerate' });
    const unknown = await regenerate('conv_missing');
    expect(unknown.status).toBe(404);
    expect(await readJson(unknown)).toMatchObject({ code: 'conversation_not_found' });
    const withMessage = await regenerate(empty.id, { message: 'not here' });
    expect(withMessage.status).toBe(400);
    expect((await client.conversations.get(empty.id)).messages).toEqual([]);
  });
});
