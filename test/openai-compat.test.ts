import OpenAI, { APIError } from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamforgeInfo } from '../src/protocol/index.js';
import type { RunId } from '../src/protocol/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

/** The non-standard member StreamForge adds to completions and to the first and finishing chunks. */
function streamforgeOf(value: ChatCompletion | ChatCompletionChunk): StreamforgeInfo {
  return (value as unknown as { streamforge: StreamforgeInfo }).streamforge;
}

describe('OpenAI-compatible chat completions, with the official openai client', () => {
  let t: TestServer;
  let client: OpenAI;
  const recorder = new ScriptedModel({ deltas: ['Paris', ' is', ' the', ' capital.'] });
  const wire = new ScriptedModel({ deltas: ['Hel', 'lo'], usage: { input: 5, output: 2 } });
  const failing = new ScriptedModel({ deltas: ['Half', ' of', ' it'], failAfter: 2 });
  const hanging = new ScriptedModel({ deltas: ['Partial', ' answer', ' never'], hangAfter: 1 });
  const cutOff = new ScriptedModel({ deltas: ['Too', ' long'], finishReason: 'length' });
  beforeAll(async () => {
    t = await startTestServer({
      env: { LOCAL_TOKEN_DELAY_MS: '0' },
      configureModels: (m) =>
        m
          .register('test:rec', recorder)
          .register('test:wire', wire)
          .register('test:fail', failing)
          .register('test:hang', hanging)
          .register('test:length', cutOff),
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1` });
  });
  afterAll(() => t.close());

  async function storedAnswer(conversationId: string) {
    const conversation = await fetch(`${t.url}/v1/conversations/${conversationId}`).then(readJson);
    return conversation.messages.at(-1);
  }

  /** The `done` event of a run, replayed from its log. */
  async function doneEvent(runId: string) {
    const text = await fetch(`${t.url}/v1/runs/${runId}/events`).then((r) => r.text());
    const block = text.split('\n\n').find((b) => b.includes('event: done'));
    return JSON.parse(block?.split('data: ')[1] ?? 'null');
  }

  it('answers a non-streaming completion with the stored assistant message (store: true)', async () => {
    const completion = await client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'How do I cancel a generation?' }],
      store: true,
    });

    const info = streamforgeOf(completion);
    const stored = await storedAnswer(info.conversation_id!);
    expect(stored).toMatchObject({ role: 'assistant', status: 'complete', id: info.message_id });
    expect(completion).toMatchObject({
      id: `chatcmpl-${info.run_id}`,
      object: 'chat.completion',
      model: 'local',
      choices: [{ index: 0, message: { role: 'assistant', content: stored.content }, finish_reason: 'stop' }],
    });
    expect(stored.content.length).toBeGreaterThan(20);
    const done = await doneEvent(info.run_id);
    expect(completion.usage).toEqual({
      prompt_tokens: done.usage.input_tokens,
      completion_tokens: done.usage.output_tokens,
      total_tokens: done.usage.input_tokens + done.usage.output_tokens,
    });
  });

  it('streams chunks that assemble the stored text, and gives the run usage with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'How do I resume a stream?' }],
      stream: true,
      stream_options: { include_usage: true },
      store: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    let text = '';
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }

    const info = streamforgeOf(chunks[0] as ChatCompletionChunk);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(text).toBe((await storedAnswer(info.conversation_id!)).content);
    const [finishing, usageChunk] = chunks.slice(-2);
    expect(finishing?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(streamforgeOf(finishing as ChatCompletionChunk)).toMatchObject({
      run_id: info.run_id,
      conversation_id: info.conversation_id,
    });
    const done = await doneEvent(info.run_id);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toEqual({
      prompt_tokens: done.usage.input_tokens,
      completion_tokens: done.usage.output_tokens,
      total_tokens: done.usage.input_tokens + done.usage.output_tokens,
    });
    expect(chunks.every((c) => c.id === `chatcmpl-${info.run_id}`)).toBe(true);
  });

  it('frames the stream exactly as OpenAI does, byte for byte', async () => {
    const response = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test:wire',
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
        stream_options: { include_usage: true },
        store: true,
      }),
    });
    const body = await response.text();

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const first = JSON.parse(body.slice('data: '.length, body.indexOf('\n')));
    const { run_id, conversation_id } = first.streamforge;
    const stored = await storedAnswer(conversation_id);
    const head = {
      id: `chatcmpl-${run_id}`,
      object: 'chat.completion.chunk',
      created: first.created,
      model: 'test:wire',
      system_fingerprint: null,
    };
    const choice = (delta: object, finish_reason: string | null) => [
      { index: 0, delta, logprobs: null, finish_reason },
    ];
    const expected = [
      {
        ...head,
        choices: choice({ role: 'assistant', content: '' }, null),
        usage: null,
        streamforge: { run_id, conversation_id },
      },
      { ...head, choices: choice({ content: 'Hel' }, null), usage: null },
      { ...head, choices: choice({ content: 'lo' }, null), usage: null },
      {
        ...head,
        choices: choice({}, 'stop'),
        usage: null,
        streamforge: { run_id, conversation_id, message_id: stored.id, cost_usd: stored.usage.cost_usd },
      },
      { ...head, choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
    ];
    expect(body).toBe(expected.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n');
    expect(Math.abs(first.created - Date.now() / 1000)).toBeLessThan(60);
  });

  it('leaves usage out of the chunks when include_usage is not asked for, and reports a length cut-off', async () => {
    const stream = await client.chat.completions.create({
      model: 'test:length',
      messages: [{ role: 'user', content: 'Write a lot' }],
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
  });

  it('lists the configured models with models.list()', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('local');
    expect(ids).toContain('test:rec');
  });

  it('takes "streamforge" as the default model', async () => {
    const completion = await client.chat.completions.create({
      model: 'streamforge',
      messages: [{ role: 'user', content: 'What is a run?' }],
    });
    expect(completion.model).toBe('local');
  });

  it('gives the model the system message as the system prompt', async () => {
    const calls = recorder.calls.length;
    await client.chat.completions.create({
      model: 'test:rec',
      messages: [
        { role: 'system', content: 'Answer like a pirate.' },
        { role: 'user', content: [{ type: 'text', text: 'Where is Paris?' }] },
      ],
    });
    const [system, ...turns] = recorder.calls[calls]?.prompt ?? [];
    expect(system).toMatchObject({
      role: 'system',
      content: expect.stringMatching(/^Answer like a pirate\./),
    });
    expect(turns).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Where is Paris?' }] }]);
  });

  it('continues a conversation given conversation_id (body field or header), without storing resent history', async () => {
    const calls = recorder.calls.length;
    const question = { role: 'user' as const, content: 'What is the capital of France?' };
    const first = await client.chat.completions.create({
      model: 'test:rec',
      messages: [question],
      store: true,
    });
    const conversationId = streamforgeOf(first).conversation_id;
    const history = [
      question,
      { role: 'assistant' as const, content: first.choices[0]?.message.content ?? '' },
    ];

    const second = await client.chat.completions.create({
      model: 'test:rec',
      messages: [...history, { role: 'user', content: 'And its population?' }],
      conversation_id: conversationId,
    } as ChatCompletionCreateParamsNonStreaming);
    await client.chat.completions.create(
      { model: 'test:rec', messages: [{ role: 'user', content: 'And its river?' }] },
      { headers: { 'x-streamforge-conversation-id': conversationId } },
    );

    expect(streamforgeOf(second).conversation_id).toBe(conversationId);
    const [, ...turns] = recorder.calls[calls + 1]?.prompt ?? [];
    expect(turns).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Paris is the capital.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And its population?' }] },
    ]);
    const conversation = await fetch(`${t.url}/v1/conversations/${conversationId}`).then(readJson);
    expect(conversation.messages.map((m: { content: string }) => m.content)).toEqual([
      'What is the capital of France?',
      'Paris is the capital.',
      'And its population?',
      'Paris is the capital.',
      'And its river?',
      'Paris is the capital.',
    ]);
  });

  it('refuses an unknown model with a 400 the client raises, and writes nothing', async () => {
    const before = await tableCounts(t.db);
    const error = await client.chat.completions
      .create({ model: 'nope', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'unknown_model', type: 'invalid_request_error' });
    expect((error as APIError).message).toMatch(/^400 Unknown model "nope"/);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('answers invalid requests as problem+json with an OpenAI error member naming the field', async () => {
    const post = (body: unknown) =>
      fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const notLastUser = await post({ model: 'local', messages: [{ role: 'assistant', content: 'Hi' }] });
    const noMessages = await post({ model: 'local' });
    const image = await post({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
    });

    expect(notLastUser.status).toBe(400);
    expect(notLastUser.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await notLastUser.json()).toMatchObject({
      status: 400,
      code: 'invalid_request',
      error: { type: 'invalid_request_error', code: 'invalid_request', param: 'messages.0.role' },
    });
    expect(await readJson(noMessages)).toMatchObject({
      code: 'invalid_request',
      error: { param: 'messages' },
    });
    // The default model is `local`, which sees no images: refused, naming the part.
    expect(await readJson(image)).toMatchObject({
      error: {
        param: 'messages.0.content.0',
        message: expect.stringMatching(/images is not supported.*local/),
      },
    });
  });

  it('makes the client iteration throw when the model fails mid-stream, after the tokens sent so far', async () => {
    const stream = await client.chat.completions.create({
      model: 'test:fail',
      messages: [{ role: 'user', content: 'Explain it' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);

    expect(text).toBe('Half of');
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ code: 'model_error', type: 'server_error' });
    expect(String((error as Error).message)).not.toMatch(/secret|exploded/);
  });

  it('answers a non-streaming failure with 502 that the client does not retry', async () => {
    const calls = failing.calls.length;
    const error = await client.chat.completions
      .create({ model: 'test:fail', messages: [{ role: 'user', content: 'Explain it again' }] })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 502, code: 'model_error', type: 'server_error' });
    expect(failing.calls.length).toBe(calls + 1);
  });

  it('cancels the run when the client aborts the stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'test:hang',
      messages: [{ role: 'user', content: 'Tell me everything' }],
      stream: true,
      store: true,
    });
    let info: StreamforgeInfo | undefined;
    for await (const chunk of stream) {
      info ??= streamforgeOf(chunk);
      if (chunk.choices[0]?.delta.content === 'Partial') stream.controller.abort();
    }

    expect(String(await hanging.aborted)).toMatch(/client disconnected/);
    await t.server.runs.whenSettled(info?.run_id as RunId);
    expect(await storedAnswer(info?.conversation_id ?? '')).toMatchObject({
      content: 'Partial',
      status: 'cancelled',
    });
  });
});

describe('OpenAI-compatible chat completions under a rate limit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { RATE_LIMIT_CHAT_PER_MIN: '1' } });
  });
  afterAll(() => t.close());

  it('gives the 429 of the limiter an OpenAI error member too', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1`, maxRetries: 0 });
    const ask = () =>
      client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }] });
    await ask();
    const error = await ask().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', type: 'rate_limit_error' });
    expect((error as APIError).message).toMatch(/^429 At most 1 chat request a minute/);
  });
});

describe('OpenAI-compatible chat completions at shutdown', () => {
  it('ends an open stream with an error the client raises, and stores the partial answer', async () => {
    const model = new ScriptedModel({ deltas: [' one', ' two', ' three'], hangAfter: 2 });
    const t = await startTestServer({
      env: { SHUTDOWN_DEADLINE_MS: '100' },
      configureModels: (m) => m.register('test:hang', model),
    });
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'test:hang',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      store: true,
    });
    let text = '';
    let shutdown: Promise<void> | undefined;
    const error = await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text === ' one two') shutdown = t.server.shutdown();
      }
    })().catch((e: unknown) => e);
    await shutdown;

    expect(error).toMatchObject({ code: 'server_restarting', type: 'server_error' });
    const [message] = await t.db.query<{ status: string; content: string }>(
      "select status, content from messages where role = 'assistant'",
    );
    expect(message).toEqual({ status: 'cancelled', content: ' one two' });
    await t.db.close();
  });
});
