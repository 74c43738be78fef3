import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  APICallError,
  type EmbeddingModelV3,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FunctionTool,
  type LanguageModelV3Prompt,
  type LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { describe, it, expect, afterEach, beforeEach } from 'vitest';
import {
  fakeEmbedding,
  type FakeUpstream,
  type Provider,
  type RecordedRequest,
  startFakeUpstream,
  UPSTREAM_SECRET,
  type UpstreamScript,
} from './fake-upstream.js';

interface Case {
  name: string;
  provider: Provider;
  model(url: string): LanguageModelV3;
}

const CASES: Case[] = [
  {
    name: 'openai',
    provider: 'openai',
    model: (url) => createOpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1` }).chat('gpt-4o-mini'),
  },
  {
    name: 'anthropic',
    provider: 'anthropic',
    model: (url) => createAnthropic({ apiKey: 'test', baseURL: `${url}/v1` })('claude-sonnet-4-5'),
  },
  {
    name: 'google',
    provider: 'google',
    model: (url) =>
      createGoogleGenerativeAI({ apiKey: 'test', baseURL: `${url}/v1beta` })('gemini-2.5-flash'),
  },
  {
    name: 'ollama',
    provider: 'openai',
    model: (url) =>
      createOpenAICompatible({ name: 'ollama', baseURL: `${url}/v1`, includeUsage: true }).chatModel(
        'llama3.2',
      ),
  },
];

const prompt: LanguageModelV3CallOptions['prompt'] = [
  { role: 'user', content: [{ type: 'text', text: 'hi' }] },
];

/** Reads a stream to its end; a stream error is returned, not thrown. */
async function readAll(
  stream: ReadableStream<LanguageModelV3StreamPart>,
  onPart?: (part: LanguageModelV3StreamPart, parts: LanguageModelV3StreamPart[]) => void,
): Promise<{ parts: LanguageModelV3StreamPart[]; error?: unknown }> {
  const parts: LanguageModelV3StreamPart[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { parts };
      parts.push(value);
      onPart?.(value, parts);
    }
  } catch (error) {
    return { parts, error };
  }
}

/** What a call rejected with (undefined if it resolved). */
const rejectionOf = (call: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(call).then(
    () => undefined,
    (e: unknown) => e,
  );

const text = (parts: LanguageModelV3StreamPart[]) =>
  parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
const textDeltas = (parts: LanguageModelV3StreamPart[]) =>
  parts.filter((p) => p.type === 'text-delta' && p.delta !== '').length;
const finishOf = (parts: LanguageModelV3StreamPart[]) => {
  const finish = parts.find((p) => p.type === 'finish');
  if (finish?.type !== 'finish') throw new Error(`no finish part in ${JSON.stringify(parts)}`);
  return finish;
};
const toolCallsOf = (parts: LanguageModelV3StreamPart[]) =>
  parts.flatMap((p) => (p.type === 'tool-call' ? [p] : []));

const showTable: LanguageModelV3FunctionTool = {
  type: 'function',
  name: 'show_table',
  description: 'x',
  inputSchema: { type: 'object', properties: { schema: { type: 'string' } }, required: ['schema'] },
};
const tools = [showTable];
const toolArgs = { schema: 'sales', limit: 3 };
const toolStep: UpstreamScript = {
  tokens: ['Let me look.'],
  toolCalls: [{ name: 'show_table', arguments: toolArgs }],
};

/** The prompt of the step after a `show_table` call: the call and its result appended. */
const withToolResult = (toolCallId: string): LanguageModelV3Prompt => [
  ...prompt,
  {
    role: 'assistant',
    content: [{ type: 'tool-call', toolCallId, toolName: 'show_table', input: toolArgs }],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId,
        toolName: 'show_table',
        output: { type: 'json', value: { rows: 3 } },
      },
    ],
  },
];

const EMBEDDING_CASES: { name: string; model(url: string): EmbeddingModelV3; authorization?: string }[] = [
  {
    name: 'openai',
    model: (url) =>
      createOpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1` }).embedding('text-embedding-3-small'),
    authorization: 'Bearer sk-test',
  },
  {
    name: 'ollama',
    model: (url) =>
      createOpenAICompatible({ name: 'ollama', baseURL: `${url}/v1` }).embeddingModel('nomic-embed-text'),
  },
];

/** Dot product, i.e. the cosine of unit vectors. */
const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

/** The name of the first tool the request declared, in its provider's format. */
function declaredToolName(request: RecordedRequest): unknown {
  switch (request.provider) {
    case 'openai':
      return request.body.tools?.[0]?.function?.name;
    case 'anthropic':
      return request.body.tools?.[0]?.name;
    case 'google':
      return request.body.tools?.[0]?.functionDeclarations?.[0]?.name;
  }
}

describe('fake upstream', () => {
  let fake: FakeUpstream;
  // A fresh fake per test, so one failing test cannot leave requests queued for the next.
  beforeEach(async () => {
    fake = await startFakeUpstream();
  });
  afterEach(async () => {
    await fake.close();
  });

  describe.each(CASES)('$name', ({ name, provider, model }) => {
    it('streams the tokens with usage and finish reason through the real provider', async () => {
      fake.script({ tokens: ['Hel', 'lo', ', ', 'world'] });
      const { stream } = await model(fake.url).doStream({ prompt });
      const { parts, error } = await readAll(stream);
      expect(error).toBeUndefined();
      expect(parts.filter((p) => p.type === 'error')).toEqual([]);
      expect(text(parts)).toBe('Hello, world');
      const finish = finishOf(parts);
      expect(finish.finishReason.unified).toBe('stop');
      expect(finish.usage.inputTokens.total).toBe(11);
      expect(finish.usage.outputTokens.total).toBe(4);
      const request = await fake.nextRequest();
      expect(request.provider).toBe(provider);
    });

    it('reports a length finish and scripted usage', async () => {
      fake.script({ tokens: ['a', 'b', 'c'], usage: { input: 7, output: 300 }, finishReason: 'length' });
      const { stream } = await model(fake.url).doStream({ prompt });
      const { parts } = await readAll(stream);
      expect(text(parts)).toBe('abc');
      const finish = finishOf(parts);
      expect(finish.finishReason.unified).toBe('length');
      expect(finish.usage.inputTokens.total).toBe(7);
      expect(finish.usage.outputTokens.total).toBe(300);
      await fake.nextRequest();
    });

    it('answers a scripted 429 with a retryable APICallError, then streams', async () => {
      fake.script({ tokens: ['ok'], status: [429] });
      const error = await rejectionOf(model(fake.url).doStream({ prompt }));
      expect(APICallError.isInstance(error)).toBe(true);
      if (!APICallError.isInstance(error)) return;
      expect(error.statusCode).toBe(429);
      expect(error.isRetryable).toBe(true);
      expect(error.responseHeaders?.['retry-after']).toBe('0');
      expect(error.responseBody).toContain(UPSTREAM_SECRET);

      const { stream } = await model(fake.url).doStream({ prompt });
      expect(text((await readAll(stream)).parts)).toBe('ok');
      expect((await fake.nextRequest()).provider).toBe(provider);
      expect((await fake.nextRequest()).provider).toBe(provider);
    });

    it('fails mid-stream after failAfter tokens', async () => {
      fake.script({ tokens: ['one', ' two', ' three'], failAfter: 2 });
      const { stream } = await model(fake.url).doStream({ prompt });
      const { parts, error } = await readAll(stream);
      expect(text(parts)).toBe('one two');
      const errorPart = parts.find((p) => p.type === 'error');
      if (name === 'google') {
        // Gemini: the socket is destroyed, so the stream itself errors (undici's "terminated").
        expect(APICallError.isInstance(error)).toBe(true);
      } else {
        // OpenAI, Ollama, Anthropic: an error frame, which the provider turns into an `error` part.
        expect(error).toBeUndefined();
        expect(JSON.stringify(errorPart)).toContain(UPSTREAM_SECRET);
      }
      expect(parts.some((p) => p.type === 'finish' && p.finishReason.unified === 'stop')).toBe(false);
      await fake.nextRequest();
    });

    it('streams text, then a tool call, and finishes for tool calls', async () => {
      fake.script(toolStep);
      const { stream } = await model(fake.url).doStream({ prompt, tools });
      const { parts, error } = await readAll(stream);
      expect(error).toBeUndefined();
      expect(parts.filter((p) => p.type === 'error')).toEqual([]);
      expect(text(parts)).toBe('Let me look.');

      const calls = toolCallsOf(parts);
      expect(calls).toHaveLength(1);
      const [call] = calls;
      expect(call?.toolName).toBe('show_table');
      expect(JSON.parse(call?.input ?? '')).toEqual(toolArgs);
      const lastText = parts.findLastIndex((p) => p.type === 'text-delta' && p.delta !== '');
      expect(lastText).toBeLessThan(parts.indexOf(call!));
      // Default ids: OpenAI call_<n>, Anthropic toolu_<n>; Gemini sends none, so @ai-sdk/google makes one.
      if (name === 'google') expect(call?.toolCallId).toMatch(/\S/);
      else expect(call?.toolCallId).toBe(provider === 'anthropic' ? 'toolu_1' : 'call_1');

      // The arguments stream in pieces (OpenAI, Anthropic); Gemini sends the call whole.
      const inputDeltas = parts.filter((p) => p.type === 'tool-input-delta' && p.id === call?.toolCallId);
      expect(inputDeltas.length).toBeGreaterThanOrEqual(name === 'google' ? 1 : 2);

      const finish = finishOf(parts);
      // Gemini finishes a function call with STOP; @ai-sdk/google reports 'tool-calls' since there was one.
      expect(finish.finishReason).toEqual({
        unified: 'tool-calls',
        raw: { openai: 'tool_calls', anthropic: 'tool_use', google: 'STOP' }[provider],
      });
      expect(finish.usage.outputTokens.total).toBe(2); // 1 token + 1 tool call

      expect(declaredToolName(await fake.nextRequest())).toBe('show_table');
    });

    it('answers the tool result with the next queued script', async () => {
      fake.scripts([toolStep, { tokens: ['Sales ', 'has 3 rows.'] }]);
      const first = await readAll((await model(fake.url).doStream({ prompt, tools })).stream);
      const [call] = toolCallsOf(first.parts);
      if (!call) throw new Error(`no tool call in ${JSON.stringify(first.parts)}`);

      const { stream } = await model(fake.url).doStream({ prompt: withToolResult(call.toolCallId), tools });
      const { parts, error } = await readAll(stream);
      expect(error).toBeUndefined();
      expect(text(parts)).toBe('Sales has 3 rows.');
      expect(toolCallsOf(parts)).toEqual([]);
      expect(finishOf(parts).finishReason.unified).toBe('stop');

      await fake.nextRequest();
      const second = await fake.nextRequest();
      expect(declaredToolName(second)).toBe('show_table');
      const id = call.toolCallId;
      // How each provider package sends the call and its result back.
      const expected = {
        openai: {
          messages: [
            { role: 'user', content: 'hi' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id,
                  type: 'function',
                  function: { name: 'show_table', arguments: JSON.stringify(toolArgs) },
                },
              ],
            },
            { role: 'tool', tool_call_id: id, content: '{"rows":3}' },
          ],
        },
        anthropic: {
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'hi' }] },
            { role: 'assistant', content: [{ type: 'tool_use', id, name: 'show_table', input: toolArgs }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: '{"rows":3}' }] },
          ],
        },
        google: {
          contents: [
            { role: 'user', parts: [{ text: 'hi' }] },
            { role: 'model', parts: [{ functionCall: { id, name: 'show_table', args: toolArgs } }] },
            {
              role: 'user',
              parts: [
                {
                  functionResponse: {
                    id,
                    name: 'show_table',
                    response: { name: 'show_table', content: { rows: 3 } },
                  },
                },
              ],
            },
          ],
        },
      }[provider];
      expect(second.body).toMatchObject(expected);

      // The queue is used up: the last script repeats.
      const again = await readAll((await model(fake.url).doStream({ prompt })).stream);
      expect(text(again.parts)).toBe('Sales has 3 rows.');
      await fake.nextRequest();
    });

    it('sends tool-call-only answers and several calls, keeping given ids', async () => {
      fake.script({
        tokens: [],
        toolCalls: [
          { id: 'given-1', name: 'show_table', arguments: { schema: 'a' } },
          { name: 'show_table', arguments: {} },
        ],
      });
      const { parts, error } = await readAll((await model(fake.url).doStream({ prompt, tools })).stream);
      expect(error).toBeUndefined();
      expect(parts.filter((p) => p.type === 'error')).toEqual([]);
      expect(text(parts)).toBe('');
      expect(parts.some((p) => p.type === 'text-start')).toBe(false);
      const calls = toolCallsOf(parts);
      expect(calls.map((c) => [c.toolName, JSON.parse(c.input)])).toEqual([
        ['show_table', { schema: 'a' }],
        ['show_table', {}],
      ]);
      expect(calls[0]?.toolCallId).toBe('given-1');
      if (name !== 'google')
        expect(calls[1]?.toolCallId).toBe(provider === 'anthropic' ? 'toolu_2' : 'call_2');
      expect(finishOf(parts).finishReason.unified).toBe('tool-calls');
      await fake.nextRequest();
    });

    it('hangs after hangAfter tokens until the client aborts, and sees the close', async () => {
      fake.script({ tokens: ['a', 'b', 'c', 'd'], hangAfter: 2 });
      const abort = new AbortController();
      const { stream } = await model(fake.url).doStream({ prompt, abortSignal: abort.signal });
      const { parts } = await readAll(stream, (_part, all) => {
        if (textDeltas(all) === 2) abort.abort();
      });
      expect(text(parts)).toBe('ab');
      await fake.clientClosed();
      await fake.nextRequest();
    });
  });

  it('records what each provider sends: paths, headers, bodies', async () => {
    fake.script({ tokens: ['x'] });
    for (const c of CASES) {
      const { stream } = await c.model(fake.url).doStream({ prompt });
      await readAll(stream);
    }
    const [openai, anthropic, google, ollama] = [
      await fake.nextRequest(),
      await fake.nextRequest(),
      await fake.nextRequest(),
      await fake.nextRequest(),
    ];
    expect(openai).toMatchObject({
      provider: 'openai',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-test' },
      body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } },
    });
    expect(openai?.body.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(anthropic).toMatchObject({
      provider: 'anthropic',
      path: '/v1/messages',
      headers: { 'x-api-key': 'test', 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-sonnet-4-5', stream: true },
    });
    expect(google).toMatchObject({
      provider: 'google',
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      headers: { 'x-goog-api-key': 'test' },
      body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    });
    expect(ollama).toMatchObject({
      provider: 'openai',
      path: '/v1/chat/completions',
      body: { model: 'llama3.2', stream: true, stream_options: { include_usage: true } },
    });
    expect(ollama?.headers.authorization).toBeUndefined();
    expect(fake.requests.slice(-4)).toEqual([openai, anthropic, google, ollama]);
  });

  it('sends no usage chunk when the request does not ask for it', async () => {
    fake.script({ tokens: ['x', 'y'] });
    const model = createOpenAICompatible({ name: 'ollama', baseURL: `${fake.url}/v1` }).chatModel('llama3.2');
    const { parts } = await readAll((await model.doStream({ prompt })).stream);
    expect(text(parts)).toBe('xy');
    expect(finishOf(parts).usage.inputTokens.total).toBeUndefined();
    expect((await fake.nextRequest()).body.stream_options).toBeUndefined();
  });

  it('serves OpenAI at /chat/completions too (base URL without /v1)', async () => {
    fake.script({ tokens: ['z'] });
    const model = createOpenAI({ apiKey: 'sk-test', baseURL: fake.url }).chat('gpt-4o-mini');
    const { parts } = await readAll((await model.doStream({ prompt })).stream);
    expect(text(parts)).toBe('z');
    expect((await fake.nextRequest()).path).toBe('/chat/completions');
  });

  it('answers each scripted status in turn, in the provider format, then resets on script()', async () => {
    fake.script({ tokens: ['ok'], status: [503, 529] });
    const anthropic = CASES[1]!.model(fake.url);
    const statuses: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const e = await rejectionOf(anthropic.doStream({ prompt }));
      if (APICallError.isInstance(e)) statuses.push([e.statusCode, e.isRetryable, e.message]);
    }
    expect(statuses).toEqual([
      [503, true, `Upstream error 503. ${UPSTREAM_SECRET}`],
      [529, true, `Upstream error 529. ${UPSTREAM_SECRET}`],
    ]);
    const { parts } = await readAll((await anthropic.doStream({ prompt })).stream);
    expect(text(parts)).toBe('ok');
    fake.script({ tokens: ['ok'], status: [500] });
    await expect(anthropic.doStream({ prompt })).rejects.toMatchObject({ statusCode: 500 });
    for (let i = 0; i < 4; i++) await fake.nextRequest();
  });

  it('scripts(): one script per answer, status retries keep their script, the last one repeats', async () => {
    const anthropic = CASES[1]!.model(fake.url);
    const answer = async () => text((await readAll((await anthropic.doStream({ prompt })).stream)).parts);
    fake.scripts([{ tokens: ['one'] }, { tokens: ['two'], status: [429, 503] }, { tokens: ['three'] }]);
    expect(await answer()).toBe('one');
    await expect(anthropic.doStream({ prompt })).rejects.toMatchObject({ statusCode: 429 });
    await expect(anthropic.doStream({ prompt })).rejects.toMatchObject({ statusCode: 503 });
    expect(await answer()).toBe('two');
    expect(await answer()).toBe('three');
    expect(await answer()).toBe('three');

    // A repeating script's statuses are answered once, not once per repetition.
    fake.scripts([{ tokens: ['a'] }, { tokens: ['b'], status: [500] }]);
    expect(await answer()).toBe('a');
    await expect(anthropic.doStream({ prompt })).rejects.toMatchObject({ statusCode: 500 });
    expect(await answer()).toBe('b');
    expect(await answer()).toBe('b');

    // script() drops what is left of a queue.
    fake.scripts([{ tokens: ['x'] }, { tokens: ['y'] }]);
    fake.script({ tokens: ['z'] });
    expect(await answer()).toBe('z');
    expect(await answer()).toBe('z');

    expect(() => fake.scripts([])).toThrow(TypeError);
    expect(fake.requests).toHaveLength(12);
  });

  it('failAfter interrupts before the tool calls', async () => {
    fake.script({ ...toolStep, failAfter: 1 });
    const failed = await readAll((await CASES[1]!.model(fake.url).doStream({ prompt, tools })).stream);
    expect(text(failed.parts)).toBe('Let me look.');
    expect(toolCallsOf(failed.parts)).toEqual([]);
    expect(JSON.stringify(failed.parts.find((p) => p.type === 'error'))).toContain(UPSTREAM_SECRET);
    await fake.nextRequest();
  });

  it('OpenAI fails doStream itself when the error comes before any output', async () => {
    fake.script({ tokens: ['never'], failAfter: 0 });
    const error = await rejectionOf(CASES[0]!.model(fake.url).doStream({ prompt }));
    expect(APICallError.isInstance(error)).toBe(true);
    if (!APICallError.isInstance(error)) return;
    // @ai-sdk/openai maps a `server_error` frame before any output to a retryable 500.
    expect(error.statusCode).toBe(500);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain(UPSTREAM_SECRET);
    await fake.nextRequest();
  });

  it('paces tokens with tokenDelayMs', async () => {
    fake.script({ tokens: ['a', 'b', 'c'], tokenDelayMs: 30 });
    const started = performance.now();
    const { parts } = await readAll((await CASES[1]!.model(fake.url).doStream({ prompt })).stream);
    expect(text(parts)).toBe('abc');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    await fake.nextRequest();
  });

  it('nextRequest waits for a request that has not arrived yet', async () => {
    fake.script({ tokens: ['later'] });
    const next = fake.nextRequest();
    const { stream } = await CASES[2]!.model(fake.url).doStream({ prompt });
    await readAll(stream);
    expect((await next).provider).toBe('google');
  });

  describe.each(EMBEDDING_CASES)('embeddings through $name', ({ model, authorization }) => {
    it('answers deterministic 64-dimension unit vectors, and records the request', async () => {
      const values = ['solar battery storage', 'espresso grinder'];
      const embedding = model(fake.url);
      const result = await embedding.doEmbed({ values });
      expect(result.embeddings).toHaveLength(2);
      for (const [i, vector] of result.embeddings.entries()) {
        expect(vector).toHaveLength(64);
        expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
        expect(vector).toEqual(fakeEmbedding(values[i]!));
      }
      expect(result.usage).toEqual({ tokens: 5 });
      expect((await embedding.doEmbed({ values })).embeddings).toEqual(result.embeddings);

      const request = await fake.nextRequest();
      expect(request).toMatchObject({
        provider: 'openai',
        path: '/v1/embeddings',
        body: { model: embedding.modelId, input: values, encoding_format: 'float' },
      });
      expect(request.headers.authorization).toBe(authorization);
      expect(fake.embeddingCalls).toBe(2);
      await fake.nextRequest();
    });

    it('ranks texts sharing words (and word stems) higher', async () => {
      const values = ['battery storage', 'solar batteries store energy', 'espresso grinder settings'];
      const [query, related, unrelated] = (await model(fake.url).doEmbed({ values })).embeddings;
      expect(cosine(query!, related!)).toBeGreaterThan(cosine(query!, unrelated!));
      expect(cosine(query!, related!)).toBeGreaterThan(0);
    });

    it('failEmbeddings(status) fails every embeddings request until failEmbeddings(null)', async () => {
      fake.failEmbeddings(500);
      for (let i = 0; i < 2; i++) {
        const error = await rejectionOf(model(fake.url).doEmbed({ values: ['x'] }));
        expect(APICallError.isInstance(error)).toBe(true);
        if (!APICallError.isInstance(error)) return;
        expect(error.statusCode).toBe(500);
        expect(error.isRetryable).toBe(true);
        expect(error.message).toContain(UPSTREAM_SECRET);
      }
      fake.failEmbeddings(null);
      expect((await model(fake.url).doEmbed({ values: ['espresso'] })).embeddings).toEqual([
        fakeEmbedding('espresso'),
      ]);
      expect(fake.embeddingCalls).toBe(3);
    });
  });

  it('embeddings and chat scripts do not interfere', async () => {
    const embedder = EMBEDDING_CASES[0]!.model(fake.url);
    const chat = CASES[0]!.model(fake.url);
    fake.scripts([{ tokens: ['one'], status: [503] }, { tokens: ['two'] }]);
    // Embeddings neither answer the script's status nor use up a queued script.
    await embedder.doEmbed({ values: ['a text'] });
    await expect(chat.doStream({ prompt })).rejects.toMatchObject({ statusCode: 503 });
    fake.failEmbeddings(429);
    await expect(embedder.doEmbed({ values: ['a text'] })).rejects.toMatchObject({ statusCode: 429 });
    // failEmbeddings() does not touch chat.
    expect(text((await readAll((await chat.doStream({ prompt })).stream)).parts)).toBe('one');
    expect(text((await readAll((await chat.doStream({ prompt })).stream)).parts)).toBe('two');
    expect(fake.embeddingCalls).toBe(2);
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/v1/embeddings',
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/chat/completions',
      '/v1/chat/completions',
    ]);
  });

  it('embeddings on the wire: string input, base64, /embeddings, bad requests', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const single = await post('/embeddings', { model: 'm', input: 'Battery, batteries!' });
    expect(single).toEqual({
      status: 200,
      body: {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: fakeEmbedding('Battery, batteries!') }],
        model: 'm',
        usage: { prompt_tokens: 4, total_tokens: 4 },
      },
    });

    const base64 = await post('/v1/embeddings', {
      model: 'm',
      input: ['a b', 'x'],
      encoding_format: 'base64',
    });
    expect(base64.status).toBe(200);
    const decoded = base64.body.data.map((d: { index: number; embedding: string }) => {
      const bytes = Buffer.from(d.embedding, 'base64');
      return [d.index, [...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)]];
    });
    // No word of 3+ characters: the all-zero vector.
    const zero = new Array(64).fill(0);
    expect(decoded).toEqual([
      [0, zero],
      [1, zero],
    ]);

    for (const bad of [
      { model: 'm', input: [] },
      { model: 'm', input: [''] },
      { model: 'm', input: [1, 2] },
      { input: 'x' },
      { model: 'm', input: 'x', encoding_format: 'int8' },
    ]) {
      const { status, body } = await post('/v1/embeddings', bad);
      expect([status, typeof body.error.message]).toEqual([400, 'string']);
    }
    expect(fake.embeddingCalls).toBe(7);
    expect(fake.requests.every((r) => r.provider === 'openai')).toBe(true);
  });

  it('close() destroys hanging streams', async () => {
    const own = await startFakeUpstream();
    own.script({ tokens: ['a', 'b'], hangAfter: 1 });
    const { stream } = await CASES[0]!.model(own.url).doStream({ prompt });
    const reading = readAll(stream);
    await own.nextRequest();
    await own.close();
    const { parts, error } = await reading;
    expect(text(parts)).toBe('a');
    expect(error ?? parts.find((p) => p.type === 'error')).toBeDefined();
  });
});
