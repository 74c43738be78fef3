import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream, UPSTREAM_SECRET } from './helpers/fake-upstream.js';
import { readJson } from './helpers/read-json.js';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEYS = {
  OPENAI_API_KEY: 'sk-openai-SECRETKEY-1',
  ANTHROPIC_API_KEY: 'sk-ant-SECRETKEY-2',
  GOOGLE_GENERATIVE_AI_API_KEY: 'goog-SECRETKEY-3',
};

/** A provider's request body as the fake recorded it: each provider's shape is read by its own accessors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;

/** Each provider: a model id StreamForge serves, and how the fake saw the system prompt and messages. */
const PROVIDERS = [
  {
    model: 'openai:gpt-4o-mini',
    price: { input: 0.15, output: 0.6 },
    system: (body: Wire) => body.messages[0].content,
    texts: (body: Wire) => body.messages.slice(1).map((m: Wire) => [m.role, m.content]),
    modelName: (body: Wire) => body.model,
    maxTokens: (body: Wire) => body.max_tokens,
  },
  {
    model: 'anthropic:claude-sonnet-4-5',
    price: { input: 3, output: 15 },
    system: (body: Wire) => body.system[0].text,
    texts: (body: Wire) => body.messages.map((m: Wire) => [m.role, m.content[0].text]),
    modelName: (body: Wire) => body.model,
    maxTokens: (body: Wire) => body.max_tokens,
  },
  {
    model: 'google:gemini-2.5-flash',
    price: { input: 0.3, output: 2.5 },
    system: (body: Wire) => body.systemInstruction.parts[0].text,
    texts: (body: Wire) =>
      body.contents.map((c: Wire) => [c.role === 'model' ? 'assistant' : c.role, c.parts[0].text]),
    modelName: (_body: unknown, path: string) => /models\/([^:]+):/.exec(path)?.[1],
    maxTokens: (body: Wire) => body.generationConfig?.maxOutputTokens,
  },
  {
    model: 'ollama:llama3.2',
    price: { input: 0, output: 0 },
    system: (body: Wire) => body.messages[0].content,
    texts: (body: Wire) => body.messages.slice(1).map((m: Wire) => [m.role, m.content]),
    modelName: (body: Wire) => body.model,
    maxTokens: (body: Wire) => body.max_tokens,
  },
];

const tokensOf = (events: { event: string; data: Record<string, unknown> }[]) =>
  events.filter((e) => e.event === 'token').map((e) => e.data.delta);

describe('real providers through their AI SDK packages, against a fake upstream on 127.0.0.1', () => {
  let upstream: FakeUpstream;
  let t: TestServer;
  const logs: string[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    t = await startTestServer({
      logSink: logs,
      env: {
        ...KEYS,
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        ANTHROPIC_BASE_URL: `${upstream.url}/v1`,
        GOOGLE_BASE_URL: `${upstream.url}/v1beta`,
        OLLAMA_BASE_URL: upstream.url,
        MODEL_RETRY_BASE_MS: '0',
        MODEL_IDLE_TIMEOUT_MS: '400',
        SYSTEM_PROMPT: 'You are the test assistant.',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  describe.each(PROVIDERS)('$model', (p) => {
    it('streams the tokens in order, with provider-reported usage, cost, and the request built right', async () => {
      upstream.script({ tokens: ['Guten', ' Tag', ', ', 'Welt!'], usage: { input: 1200, output: 4 } });
      const message = 'Wie funktioniert das Streaming von Antworten in diesem Server?';
      const { events } = await postChatStream(t.url, { message, model: p.model });
      const request = await upstream.nextRequest();

      expect(tokensOf(events)).toEqual(['Guten', ' Tag', ', ', 'Welt!']);
      expect(events[0]?.data).toMatchObject({ type: 'start', model: p.model, language: 'de' });
      const cost = Math.round(((1200 * p.price.input + 4 * p.price.output) / 1e6) * 1e10) / 1e10;
      expect(events.at(-1)?.data).toMatchObject({
        type: 'done',
        finish_reason: 'stop',
        usage: { input_tokens: 1200, output_tokens: 4, cost_usd: cost },
      });
      expect(p.modelName(request.body, request.path)).toBe(p.model.slice(p.model.indexOf(':') + 1));
      expect(p.system(request.body)).toBe(
        'You are the test assistant.\n\nThe user writes in German (de). Answer in German unless the user asks for another language.',
      );
      expect(p.texts(request.body)).toEqual([['user', message]]);
    });

    it('passes the request’s output limit to the provider and reports a cut answer as length', async () => {
      upstream.script({ tokens: ['Cut', ' short'], finishReason: 'length' });
      const { events } = await postChatStream(t.url, {
        message: 'Say a lot',
        model: p.model,
        max_output_tokens: 7,
      });
      const request = await upstream.nextRequest();
      expect(p.maxTokens(request.body)).toBe(7);
      expect(events.at(-1)?.data).toMatchObject({ type: 'done', finish_reason: 'length' });
    });

    it('ends with a truthful error event after a mid-stream upstream error, and stores the partial as failed', async () => {
      upstream.script({ tokens: ['Half', ' an', ' answer'], failAfter: 2 });
      const { events } = await postChatStream(t.url, { message: 'Tell me a long story', model: p.model });
      await upstream.nextRequest();
      expect(tokensOf(events)).toEqual(['Half', ' an']);
      const error = events.at(-1)?.data;
      expect(error).toMatchObject({ type: 'error', retryable: true });
      expect(String(error?.message)).toMatch(/What was generated so far is saved\./);
      expect(JSON.stringify(events)).not.toContain(UPSTREAM_SECRET);

      const conversation = await fetch(`${t.url}/v1/conversations/${events[0]?.data.conversation_id}`).then(
        readJson,
      );
      expect(conversation.messages[1]).toMatchObject({ content: 'Half an', status: 'failed' });
    });

    it('retries a 429 before the first token and then streams', async () => {
      upstream.script({ tokens: ['after', ' retry'], status: [429] });
      const { events } = await postChatStream(t.url, { message: 'hello there', model: p.model });
      expect((await upstream.nextRequest()).path).toBe((await upstream.nextRequest()).path);
      expect(tokensOf(events)).toEqual(['after', ' retry']);
      expect(events.at(-1)?.event).toBe('done');
    });

    it('fails with upstream_timeout when the upstream hangs', async () => {
      upstream.script({ tokens: ['one', ' two', ' three'], hangAfter: 1 });
      const { events } = await postChatStream(t.url, { message: 'hang please', model: p.model });
      await upstream.nextRequest();
      expect(events.at(-1)?.data).toEqual({
        type: 'error',
        code: 'upstream_timeout',
        message: 'The model did not answer in time. What was generated so far is saved.',
        retryable: true,
      });
      await upstream.clientClosed();
    });

    it('closes the upstream request when the client disconnects', async () => {
      upstream.script({ tokens: ['a', ' b', ' c', ' d'], hangAfter: 2 });
      let tokens = 0;
      await postChatStream(
        t.url,
        { message: 'go on', model: p.model },
        {
          onEvent: (e, disconnect) => {
            if (e.event === 'token' && ++tokens === 2) disconnect();
          },
        },
      );
      await upstream.nextRequest();
      await upstream.clientClosed();
    });
  });

  it('sends earlier turns as messages, trimmed oldest first to the token budget, system prompt kept', async () => {
    const small = await startTestServer({
      env: {
        OPENAI_API_KEY: KEYS.OPENAI_API_KEY,
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        HISTORY_TOKEN_BUDGET: '300',
        SYSTEM_PROMPT: 'Keep me.',
      },
    });
    try {
      const long = (n: number) => `turn ${n} ${'lorem ipsum dolor '.repeat(60)}`;
      let conversationId: unknown;
      for (let i = 1; i <= 3; i++) {
        upstream.script({ tokens: [`reply ${i}`] });
        const { events } = await postChatStream(small.url, {
          message: long(i),
          model: 'openai:gpt-4o-mini',
          conversation_id: conversationId,
        });
        conversationId = events[0]?.data.conversation_id;
        await upstream.nextRequest();
      }
      upstream.script({ tokens: ['ok'] });
      await postChatStream(small.url, {
        message: 'short question',
        model: 'openai:gpt-4o-mini',
        conversation_id: conversationId,
      });
      const request = await upstream.nextRequest();
      const messages = request.body.messages.map((m: { role: string; content: string }) => [
        m.role,
        m.content.slice(0, 7),
      ]);
      expect(messages[0][0]).toBe('system');
      expect(request.body.messages[0].content).toMatch(/^Keep me\./);
      // Each long turn is ≈ 185 tokens: turn 3 and its reply fit in 300 with the rest, turn 2 does not, and
      // reply 2 may not open the conversation.
      expect(messages.slice(1)).toEqual([
        ['user', 'turn 3 '],
        ['assistant', 'reply 3'],
        ['user', 'short q'],
      ]);
      const conversation = await fetch(`${small.url}/v1/conversations/${conversationId}`).then(readJson);
      expect(conversation.messages).toHaveLength(8);
      expect(conversation.usage).toEqual({
        input_tokens: 44,
        output_tokens: 4,
        cost_usd: 4 * 2.25e-6, // four answers of 11 input and 1 output tokens at $0.15/$0.60 per million
      });
    } finally {
      await small.close();
    }
  });

  it('lists the configured models', async () => {
    const list = await fetch(`${t.url}/v1/models`).then(readJson);
    expect(list.object).toBe('list');
    expect(list.providers).toEqual(['openai', 'anthropic', 'google', 'ollama']);
    expect(list.data.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([
        'local',
        'openai:gpt-4o-mini',
        'anthropic:claude-sonnet-4-5',
        'google:gemini-2.5-flash',
        'ollama:llama3.2',
      ]),
    );
    expect(list.data.find((m: { default: boolean }) => m.default)).toMatchObject({
      id: 'local',
      object: 'model',
    });
  });

  it('never writes an API key or an upstream error body to the log', () => {
    const all = logs.join('');
    expect(all).toMatch(/chat run failed/);
    expect(all).toMatch(/retrying model call/);
    for (const key of Object.values(KEYS)) expect(all).not.toContain(key);
    expect(all).not.toContain(UPSTREAM_SECRET);
  });
});
