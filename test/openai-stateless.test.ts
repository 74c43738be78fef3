import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { startServerWithUpstream, WEATHER_SCHEMA, weatherCallMessage } from './helpers/recording-upstream.js';
import { startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';

/** The tool a client offers in these tests, in OpenAI's shape. */
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: WEATHER_SCHEMA,
  },
};

describe('stateless OpenAI chat completions, with the official openai client and a recording upstream', () => {
  let upstream: FakeUpstream;
  let t: TestServer;
  let client: OpenAI;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ t, upstream, close } = await startServerWithUpstream({
      LOCAL_TOKEN_DELAY_MS: '0',
      VISION_MODELS: 'openai:ft-eyes-*',
    }));
    client = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => close());

  it("forwards the sampling parameters and the client's tool, streams the tool call back, and continues with its result", async () => {
    const before = await tableCounts(t.db);
    upstream.scripts([
      { tokens: [], toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: { city: 'Oslo' } }] },
      { tokens: ['It is', ' 4 °C', ' in Oslo.'] },
    ]);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What is the weather in Oslo?' },
    ];
    const stream = await client.chat.completions.create({
      model: 'openai:gpt-4o-mini',
      messages,
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ['END'],
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      user: 'user-42',
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const sent = (await upstream.nextRequest()).body;
    expect(sent).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ['END'],
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      user: 'user-42',
      tool_choice: 'auto',
    });
    // The client's tool, and only it: StreamForge's own component tools are not offered here.
    expect(sent.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual([
      'get_weather',
    ]);
    expect(sent.tools[0].function.parameters).toMatchObject(WEATHER_TOOL.function.parameters);
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      {
        index: 0,
        id: 'call_w1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');

    // The client runs the tool and sends the whole exchange back, as an agent loop does.
    const followUp = await client.chat.completions.create({
      model: 'openai:gpt-4o-mini',
      messages: [
        ...messages,
        weatherCallMessage('call_w1', 'Oslo'),
        { role: 'tool', tool_call_id: 'call_w1', content: '{"celsius":4}' },
      ],
      tools: [WEATHER_TOOL],
    });
    const second = (await upstream.nextRequest()).body;
    expect(second.messages.slice(-2)).toEqual([
      weatherCallMessage('call_w1', 'Oslo'),
      { role: 'tool', tool_call_id: 'call_w1', content: '{"celsius":4}' },
    ]);
    expect(followUp.choices[0]?.message.content).toBe('It is 4 °C in Oslo.');
    expect(followUp.choices[0]?.finish_reason).toBe('stop');
    // Stateless: neither exchange left a conversation or a message.
    expect(await tableCounts(t.db)).toEqual(before);
    expect(
      (followUp as unknown as { streamforge: { conversation_id: null } }).streamforge.conversation_id,
    ).toBeNull();
  });

  it('gives the model every message of a four-message conversation, in order', async () => {
    upstream.script({ tokens: ['About', ' 700 000.'] });
    const completion = await client.chat.completions.create({
      model: 'openai:gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'What is the capital of Norway?' },
        { role: 'assistant', content: 'Oslo.' },
        { role: 'user', content: 'And how many people live there?' },
      ],
    });
    const sent = (await upstream.nextRequest()).body;
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    expect(sent.messages[0].content).toMatch(/^Answer briefly\./);
    expect(sent.messages.slice(1).map((m: { content: unknown }) => m.content)).toEqual([
      'What is the capital of Norway?',
      'Oslo.',
      'And how many people live there?',
    ]);
    expect(completion.choices[0]?.message.content).toBe('About 700 000.');
  });

  it('sends structured output and images to the model', async () => {
    upstream.script({ tokens: ['{"colour":"red"}'] });
    const schema = {
      type: 'object',
      properties: { colour: { type: 'string' } },
      required: ['colour'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: 'openai:gpt-4o-mini',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What colour is it?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://images.example/apple.jpg' } },
          ],
        },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
    });
    const sent = (await upstream.nextRequest()).body;
    expect(sent.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'answer', schema },
    });
    expect(sent.messages.at(-1).content).toEqual([
      { type: 'text', text: 'What colour is it?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image_url', image_url: { url: 'https://images.example/apple.jpg' } },
    ]);
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ colour: 'red' });
  });

  it('refuses images for a model not known to take them, and sends them to one VISION_MODELS declares', async () => {
    const seen = upstream.requests.length;
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const content = [{ type: 'text' as const, text: 'What is this?' }, image];
    const refused = await client.chat.completions
      .create({ model: 'openai:gpt-3.5-turbo', messages: [{ role: 'user', content }] })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, param: 'messages.0.content.1' });
    expect(String((refused as Error).message)).toContain('VISION_MODELS');
    const viaUi = await fetch(`${t.url}/v1/ui/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'c',
        store: false,
        model: 'openai:gpt-3.5-turbo',
        messages: [
          {
            id: 'm',
            role: 'user',
            parts: [
              { type: 'text', text: 'What is this?' },
              { type: 'file', mediaType: 'image/png', url: image.image_url.url },
            ],
          },
        ],
      }),
    });
    expect(viaUi.status).toBe(400);
    expect(await viaUi.text()).toContain('body.messages.0.parts.1');
    expect(upstream.requests.length).toBe(seen);

    upstream.script({ tokens: ['A pixel.'] });
    const answered = await client.chat.completions.create({
      model: 'openai:ft-eyes-2',
      messages: [{ role: 'user', content }],
    });
    expect(answered.choices[0]?.message.content).toBe('A pixel.');
    expect((await upstream.nextRequest()).body.messages.at(-1).content).toEqual(content);
  });

  it('refuses what the local model cannot honour with a 400 naming the field, and honours stop', async () => {
    const error = await client.chat.completions
      .create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.7 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: 'temperature' });
    const tools = await client.chat.completions
      .create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], tools: [WEATHER_TOOL] })
      .catch((e: unknown) => e);
    expect(tools).toMatchObject({ status: 400, param: 'tools' });

    const whole = await client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'How do I cancel a generation?' }],
    });
    const text = whole.choices[0]?.message.content ?? '';
    const stopAt = text.split(' ').slice(3, 4).join('');
    const cut = await client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'How do I cancel a generation?' }],
      stop: stopAt,
    });
    expect(cut.choices[0]?.message.content).toBe(text.slice(0, text.indexOf(stopAt)));
  });

  it('refuses sampling parameters on a stored conversation rather than dropping them', async () => {
    const error = await client.chat.completions
      .create({ model: 'local', messages: [{ role: 'user', content: 'Hi' }], store: true, seed: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: 'seed' });
  });
});

describe('agent frameworks with tools, through StreamForge to a recording upstream', () => {
  let upstream: FakeUpstream;
  let t: TestServer;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ t, upstream, close } = await startServerWithUpstream());
  });
  afterAll(() => close());
  const weather = { id: 'call_l1', name: 'get_weather', arguments: { city: 'Bergen' } };

  it('@langchain/openai: bindTools gets tool_calls back, and a ToolMessage continues', async () => {
    upstream.scripts([{ tokens: [], toolCalls: [weather] }, { tokens: ['Rain in Bergen.'] }]);
    const model = new ChatOpenAI({
      model: 'openai:gpt-4o-mini',
      apiKey: 'unused',
      configuration: { baseURL: `${t.url}/v1` },
      maxRetries: 0,
      temperature: 0.3,
    }).bindTools([WEATHER_TOOL]);
    const question = new HumanMessage('Weather in Bergen?');
    const called = await model.invoke([question]);
    expect(called.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_l1', name: 'get_weather', args: { city: 'Bergen' } }),
    ]);
    expect((await upstream.nextRequest()).body).toMatchObject({ temperature: 0.3, tools: [WEATHER_TOOL] });
    const answer = await model.invoke([
      question,
      new AIMessage({ content: '', tool_calls: called.tool_calls }),
      new ToolMessage({ tool_call_id: 'call_l1', content: 'rain' }),
    ]);
    expect(answer.content).toBe('Rain in Bergen.');
    const sent = (await upstream.nextRequest()).body;
    expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_l1', content: 'rain' });
  });

  const getWeather = tool({
    description: 'The weather in a city',
    inputSchema: jsonSchema<{ city: string }>(WEATHER_TOOL.function.parameters as never),
    execute: async ({ city }) => ({ city, celsius: 9 }),
  });
  const provider = () => createOpenAICompatible({ name: 'streamforge', baseURL: `${t.url}/v1` });

  it('AI SDK generateText: the tool round trip runs through StreamForge in two stateless calls', async () => {
    upstream.scripts([{ tokens: [], toolCalls: [weather] }, { tokens: ['9 °C in Bergen.'] }]);
    const result = await generateText({
      model: provider().chatModel('openai:gpt-4o-mini'),
      prompt: 'Weather in Bergen?',
      tools: { get_weather: getWeather },
      stopWhen: stepCountIs(3),
      seed: 11,
    });
    expect(result.text).toBe('9 °C in Bergen.');
    expect(result.steps[0]?.toolCalls).toMatchObject([
      { toolName: 'get_weather', input: { city: 'Bergen' } },
    ]);
    const first = (await upstream.nextRequest()).body;
    expect(first.seed).toBe(11);
    const second = (await upstream.nextRequest()).body;
    expect(second.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_l1',
      content: JSON.stringify({ city: 'Bergen', celsius: 9 }),
    });
  });

  it('AI SDK streamText: the tool call streams back and the answer streams after it', async () => {
    upstream.scripts([{ tokens: [], toolCalls: [weather] }, { tokens: ['Nine', ' degrees.'] }]);
    const result = streamText({
      model: provider().chatModel('openai:gpt-4o-mini'),
      prompt: 'Weather in Bergen?',
      tools: { get_weather: getWeather },
      stopWhen: stepCountIs(3),
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Nine degrees.');
    expect((await result.steps)[0]?.finishReason).toBe('tool-calls');
    await upstream.nextRequest();
    await upstream.nextRequest();
  });
});

describe('the embedded defaults', () => {
  it('run five parallel local completions (the local model streaming at its own pace)', async () => {
    // The caps as configured without auth; the local model at its default pace, so the answers overlap.
    const t = await startTestServer({ env: { LOCAL_TOKEN_DELAY_MS: '20' } });
    try {
      const client = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1`, maxRetries: 0 });
      let running = 0;
      let most = 0;
      const answers = await Promise.all(
        [1, 2, 3, 4, 5].map(async (i) => {
          const stream = await client.chat.completions.create({
            model: 'local',
            messages: [{ role: 'user', content: `How do I resume a stream? (${i})` }],
            stream: true,
          });
          running++;
          most = Math.max(most, running);
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
          running--;
          return text;
        }),
      );
      for (const text of answers) expect(text.length).toBeGreaterThan(20);
      // They ran side by side: all five streams were open at once at some point.
      expect(most).toBe(5);
    } finally {
      await t.close();
    }
  });
});
