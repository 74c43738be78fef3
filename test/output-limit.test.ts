import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/index.js';
import { readJson } from './helpers/read-json.js';
import { startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

const QUESTION = 'How do I cancel a generation?';

describe('an answer’s output limit (max_output_tokens, OpenAI max_tokens, MAX_OUTPUT_TOKENS)', () => {
  let t: TestServer;
  let capped: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    capped = await startTestServer({ env: { MAX_OUTPUT_TOKENS: '4' } });
  });
  afterAll(async () => {
    await t.close();
    await capped.close();
  });

  it('cuts the answer at max_output_tokens and ends it with finish_reason length, stored as such', async () => {
    const client = createClient({ baseUrl: t.url });
    const whole = await client.chat({ message: QUESTION }).done;
    const cut = await client.chat({ message: QUESTION, max_output_tokens: 6 }).done;
    expect(whole.usage?.output_tokens).toBeGreaterThan(6);
    expect(cut).toMatchObject({ status: 'done', finish_reason: 'length', usage: { output_tokens: 6 } });
    // The first six tokens of the uncut answer: the same answer, stopped.
    expect(whole.text.startsWith(cut.text)).toBe(true);
    expect(cut.text.length).toBeLessThan(whole.text.length);
    const stored = await client.conversations.get(String(cut.conversation_id));
    expect(stored.messages.at(-1)).toMatchObject({ content: cut.text, status: 'complete' });
  });

  it('counts every step of a tool-using answer against one limit', async () => {
    const client = createClient({ baseUrl: t.url });
    const question = 'top 5 products by price';
    // The uncut answer: some text, the table call (one token), then more text.
    const events = [];
    for await (const event of client.chat({ message: question })) events.push(event);
    const firstStep = events.findIndex((e) => e.type === 'component');
    const before = events.slice(0, firstStep).filter((e) => e.type === 'token').length;
    expect(before).toBeGreaterThan(0);

    // Room for the first step, the call and two more tokens: the table is there, the text after it is cut.
    const limit = before + 1 + 2;
    const cut = await client.chat({ message: question, max_output_tokens: limit }).done;
    expect(cut.components[0]).toMatchObject({ kind: 'table', status: 'complete' });
    expect(cut.components[0]?.rows).toHaveLength(5);
    expect(cut).toMatchObject({ finish_reason: 'length', usage: { output_tokens: limit } });

    // Out of tokens at the call itself: the table is not made, and the answer ends there.
    const atCall = await client.chat({ message: question, max_output_tokens: before + 1 }).done;
    expect(atCall).toMatchObject({ finish_reason: 'length', components: [] });
    expect(atCall.text.length).toBeGreaterThan(0);
  });

  it('never goes past MAX_OUTPUT_TOKENS, whatever the request asks', async () => {
    const client = createClient({ baseUrl: capped.url });
    const state = await client.chat({ message: QUESTION, max_output_tokens: 50 }).done;
    expect(state).toMatchObject({ finish_reason: 'length', usage: { output_tokens: 4 } });
  });

  it('refuses a limit below 1 with 400 and writes nothing', async () => {
    const before = await tableCounts(t.db);
    const response = await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: QUESTION, max_output_tokens: 0 }),
    });
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({
      code: 'invalid_request',
      errors: [{ path: 'body.max_output_tokens' }],
    });
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('takes max_tokens and max_completion_tokens from the official openai client', async () => {
    const openai = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1` });
    const messages = [{ role: 'user' as const, content: QUESTION }];
    const legacy = await openai.chat.completions.create({ model: 'local', messages, max_tokens: 5 });
    expect(legacy.choices[0]?.finish_reason).toBe('length');
    expect(legacy.usage?.completion_tokens).toBe(5);

    const stream = await openai.chat.completions.create({
      model: 'local',
      messages,
      max_completion_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const finishes: (string | null)[] = [];
    let completionTokens = 0;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) if (choice.finish_reason) finishes.push(choice.finish_reason);
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(finishes).toEqual(['length']);
    expect(completionTokens).toBe(3);

    const refused = await openai.chat.completions
      .create({ model: 'local', messages, max_tokens: 0 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(400);
  });
});
