import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunId } from '../src/protocol/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { postChatStream } from './helpers/sse-client.js';
import { ENGINES, startTestServer, type TestServer } from './helpers/test-server.js';

describe.each(ENGINES)('when a run ends early (%s)', (engine) => {
  let t: TestServer;
  const hang = new ScriptedModel({ deltas: ['Partial', ' answer', ' never', ' finished'], hangAfter: 2 });
  const fail = new ScriptedModel({
    deltas: ['Half', ' of', ' it'],
    failAfter: 2,
    failWith: new Error('ECONNRESET at 10.0.0.7 with key sk-secret-123'),
  });
  const failAtOnce = new ScriptedModel({ deltas: ['x'], failAfter: 0 });
  beforeAll(async () => {
    t = await startTestServer({
      engine,
      configureModels: (m) =>
        m.register('test:hang', hang).register('test:fail', fail).register('test:fail-now', failAtOnce),
    });
  });
  afterAll(() => t.close());

  it('with on_disconnect "cancel", a client disconnect aborts the model at once and stores the partial answer as cancelled', async () => {
    let tokens = 0;
    const { events } = await postChatStream(
      t.url,
      { message: 'Tell me everything', model: 'test:hang', on_disconnect: 'cancel' },
      {
        onEvent: (e, disconnect) => {
          if (e.event === 'token' && ++tokens === 2) disconnect();
        },
      },
    );
    const reason = await hang.aborted;
    expect(String(reason)).toMatch(/client disconnected/);
    const start = events[0]?.data;
    await t.server.runs.whenSettled(start?.run_id as RunId);

    const conversation = await fetch(`${t.url}/v1/conversations/${start?.conversation_id}`).then(readJson);
    expect(conversation.messages).toMatchObject([
      { role: 'user', content: 'Tell me everything', status: 'complete' },
      {
        role: 'assistant',
        content: 'Partial answer',
        status: 'cancelled',
        model: 'test:hang',
        run_id: start?.run_id,
        usage: { output_tokens: 2 },
      },
    ]);
  });

  it('a model that throws mid-stream ends the stream with an error event and keeps the user message and a failed partial', async () => {
    const { events } = await postChatStream(t.url, { message: 'Explain it', model: 'test:fail' });

    const last = events.at(-1);
    expect(last?.event).toBe('error');
    expect(last?.data).toEqual({
      type: 'error',
      code: 'model_error',
      message: 'The model failed while generating the answer. What was generated so far is saved.',
      retryable: true,
    });
    const wire = JSON.stringify(events);
    expect(wire).not.toMatch(/ECONNRESET|sk-secret|10\.0\.0\.7|at .*\.ts/);
    expect(events.filter((e) => e.event === 'progress').at(-1)?.data).toMatchObject({
      step: 'generate',
      status: 'failed',
    });

    const conversation = await fetch(`${t.url}/v1/conversations/${events[0]?.data.conversation_id}`).then(
      readJson,
    );
    expect(conversation.messages).toMatchObject([
      { role: 'user', content: 'Explain it', status: 'complete' },
      { role: 'assistant', content: 'Half of', status: 'failed' },
    ]);
  });

  it('a failed non-streaming chat answers 502 problem+json and still keeps the user message', async () => {
    const response = await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Keep me', model: 'test:fail-now', stream: false }),
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await readJson(response)).toMatchObject({ status: 502, code: 'model_error' });
    const list = await fetch(`${t.url}/v1/conversations?limit=1`).then(readJson);
    const conversation = await fetch(`${t.url}/v1/conversations/${list.data[0].id}`).then(readJson);
    expect(conversation.messages).toMatchObject([
      { role: 'user', content: 'Keep me' },
      { role: 'assistant', content: '', status: 'failed' },
    ]);
  });
});

describe('finish reasons', () => {
  it('reports `length` when the model stops at its token limit', async () => {
    const model = new ScriptedModel({
      deltas: ['a', ' b'],
      finishReason: 'length',
      usage: { input: 3, output: 2 },
    });
    const t = await startTestServer({ configureModels: (m) => m.register('test:len', model) });
    try {
      const { events } = await postChatStream(t.url, { message: 'hi', model: 'test:len' });
      expect(events.at(-1)?.data).toMatchObject({
        finish_reason: 'length',
        usage: { input_tokens: 3, output_tokens: 2 },
      });
    } finally {
      await t.close();
    }
  });
});
