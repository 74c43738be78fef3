import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { startServerWithUpstream, WEATHER_SCHEMA, weatherCallMessage } from './helpers/recording-upstream.js';
import { tableCounts, type TestServer } from './helpers/test-server.js';

const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: WEATHER_SCHEMA,
  strict: true,
};

describe('the OpenAI Responses API, with the official openai client', () => {
  let upstream: FakeUpstream;
  let t: TestServer;
  let client: OpenAI;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ t, upstream, close } = await startServerWithUpstream());
    client = new OpenAI({ apiKey: 'unused', baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => close());

  it('answers a text input with the local model, as one Response', async () => {
    const before = await tableCounts(t.db);
    const response = await client.responses.create({
      model: 'local',
      input: 'How do I cancel a generation?',
    });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'local' });
    expect(response.id).toMatch(/^resp_run_/);
    expect(response.output_text.length).toBeGreaterThan(20);
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'message', role: 'assistant', status: 'completed' }),
    ]);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    // A stored response is not a conversation: the page's list is unchanged.
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('streams the semantic events in order, and continues a stored response with previous_response_id', async () => {
    upstream.script({ tokens: ['Oslo', ' is', ' the', ' capital.'] });
    const stream = await client.responses.create({
      model: 'openai:gpt-4o-mini',
      instructions: 'Answer briefly.',
      input: 'What is the capital of Norway?',
      temperature: 0.1,
      stream: true,
    });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = '';
    let id = '';
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') {
        id = event.response.id;
        expect(event.response.output_text ?? event.response.output).toBeTruthy();
      }
    }
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sequence).toEqual(types.map((_, i) => i));
    expect(text).toBe('Oslo is the capital.');
    const first = (await upstream.nextRequest()).body;
    expect(first.temperature).toBe(0.1);
    expect(first.messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringMatching(/^Answer briefly\./),
    });

    upstream.script({ tokens: ['About 700 000.'] });
    const next = await client.responses.create({
      model: 'openai:gpt-4o-mini',
      previous_response_id: id,
      input: 'How many people live there?',
    });
    expect(next.output_text).toBe('About 700 000.');
    expect(next.previous_response_id).toBe(id);
    const second = (await upstream.nextRequest()).body;
    // The thread came back; the earlier instructions did not (as in OpenAI's API).
    expect(second.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['system', expect.not.stringMatching(/Answer briefly/)],
      ['user', 'What is the capital of Norway?'],
      ['assistant', 'Oslo is the capital.'],
      ['user', 'How many people live there?'],
    ]);
  });

  it('gives function calls as function_call items, and continues with their output', async () => {
    upstream.scripts([
      { tokens: [], toolCalls: [{ id: 'call_r1', name: 'get_weather', arguments: { city: 'Tromsø' } }] },
      { tokens: ['Snow in Tromsø.'] },
    ]);
    const called = await client.responses.create({
      model: 'openai:gpt-4o-mini',
      input: 'Weather in Tromsø?',
      tools: [WEATHER],
    });
    expect(called.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_r1',
        name: 'get_weather',
        arguments: '{"city":"Tromsø"}',
      }),
    ]);
    const sent = (await upstream.nextRequest()).body;
    expect(sent.tools).toEqual([
      expect.objectContaining({ function: expect.objectContaining({ name: 'get_weather' }) }),
    ]);

    const answer = await client.responses.create({
      model: 'openai:gpt-4o-mini',
      previous_response_id: called.id,
      input: [{ type: 'function_call_output', call_id: 'call_r1', output: '{"snow":true}' }],
      tools: [WEATHER],
    });
    expect(answer.output_text).toBe('Snow in Tromsø.');
    const followUp = (await upstream.nextRequest()).body;
    expect(followUp.messages.slice(-3)).toEqual([
      { role: 'user', content: 'Weather in Tromsø?' },
      weatherCallMessage('call_r1', 'Tromsø'),
      { role: 'tool', tool_call_id: 'call_r1', content: '{"snow":true}' },
    ]);
  });

  it('keeps nothing with store: false, and answers 404 for a response it does not have', async () => {
    const kept = await client.responses.create({
      model: 'local',
      input: 'How do I resume a stream?',
      store: false,
    });
    const error = await client.responses
      .create({ model: 'local', previous_response_id: kept.id, input: 'And then?' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, code: 'response_not_found' });
    const refused = await client.responses
      .create({ model: 'local', input: 'Hi', temperature: 0.5 })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, param: 'temperature' });
  });

  it('retrieves a stored response, pages through its input items, and deletes it', async () => {
    const created = await client.responses.create({
      model: 'local',
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: 'How do I resume a stream?' },
        { role: 'assistant', content: 'With its run id.' },
        { role: 'user', content: [{ type: 'input_text', text: 'And after a reload?' }] },
      ],
    });

    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toEqual(created);
    expect(retrieved.usage?.output_tokens).toBeGreaterThan(0);

    const newestFirst = await client.responses.inputItems.list(created.id);
    expect(newestFirst.data.map((item) => item.type === 'message' && item.role)).toEqual([
      'user',
      'assistant',
      'user',
    ]);
    expect(newestFirst.data[0]).toMatchObject({
      type: 'message',
      content: [{ type: 'input_text', text: 'And after a reload?' }],
    });
    const pages: string[][] = [];
    for await (const page of (
      await client.responses.inputItems.list(created.id, { order: 'asc', limit: 2 })
    ).iterPages())
      pages.push(page.data.map((item) => (item.type === 'message' ? JSON.stringify(item.content) : '')));
    expect(pages).toHaveLength(2);
    expect(pages.flat()[0]).toContain('How do I resume a stream?');
    expect(pages.flat()).toHaveLength(3);

    await client.responses.delete(created.id);
    for (const gone of [
      () => client.responses.retrieve(created.id),
      () => client.responses.inputItems.list(created.id),
      () => client.responses.delete(created.id),
      () => client.responses.create({ model: 'local', previous_response_id: created.id, input: 'More?' }),
    ])
      expect(await gone().catch((e: unknown) => e)).toMatchObject({
        status: 404,
        code: 'response_not_found',
      });
  });
});
