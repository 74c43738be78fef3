import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe('multi-turn conversations', () => {
  let t: TestServer;
  const model = new ScriptedModel({ deltas: ['Paris', ' is', ' the', ' capital.'] });
  beforeAll(async () => {
    t = await startTestServer({ configureModels: (m) => m.register('test:echo', model) });
  });
  afterAll(() => t.close());

  it("passes the earlier turns and the request's system prompt to the model, oldest first", async () => {
    const first = await postChatStream(t.url, {
      message: 'What is the capital of France?',
      model: 'test:echo',
    });
    const conversationId = first.events[0]?.data.conversation_id;
    await postChatStream(t.url, {
      message: 'And its population?',
      model: 'test:echo',
      conversation_id: conversationId,
      system: 'Answer briefly.',
    });
    const [system, ...turns] = model.calls[1]?.prompt ?? [];
    expect(system).toMatchObject({ role: 'system', content: expect.stringMatching(/^Answer briefly\./) });
    expect(turns).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Paris is the capital.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And its population?' }] },
    ]);
    const conversation = await fetch(`${t.url}/v1/conversations/${conversationId}`).then(readJson);
    expect(conversation.title).toBe('What is the capital of France?');
    expect(conversation.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });
});
