import {
  AbstractChat,
  type ChatInit,
  type ChatState,
  type ChatStatus,
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithToolCalls,
  type UIMessage,
} from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { startServerWithUpstream, WEATHER_SCHEMA, weatherCallMessage } from './helpers/recording-upstream.js';
import { tableCounts, type TestServer } from './helpers/test-server.js';

/** The state useChat keeps, without React: what the AI SDK's own framework bindings implement. */
class PlainState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  constructor(public messages: UIMessage[] = []) {}
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((m, i) => (i === index ? message : m));
  };
  snapshot = <T>(value: T): T => structuredClone(value);
}

class PlainChat extends AbstractChat<UIMessage> {
  readonly plain: PlainState;
  constructor(init: ChatInit<UIMessage>) {
    const state = new PlainState(init.messages);
    super({ ...init, state });
    this.plain = state;
  }
}

/** Resolves when `done()` holds, checking after each turn of the event loop; fails after a generous bound. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('useChat (DefaultChatTransport) with a client-side tool, through /v1/ui/chat', () => {
  let upstream: FakeUpstream;
  let t: TestServer;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ t, upstream, close } = await startServerWithUpstream());
  });
  afterAll(() => close());

  it('streams the tool call to the page, takes its output from addToolOutput, and answers with it', async () => {
    const before = await tableCounts(t.db);
    upstream.scripts([
      { tokens: [], toolCalls: [{ id: 'call_u1', name: 'get_weather', arguments: { city: 'Oslo' } }] },
      { tokens: ['Cold', ' in Oslo.'] },
    ]);
    const ran: unknown[] = [];
    const chat: PlainChat = new PlainChat({
      transport: new DefaultChatTransport({
        api: `${t.url}/v1/ui/chat`,
        body: {
          model: 'openai:gpt-4o-mini',
          tools: { get_weather: { description: 'The weather in a city', inputSchema: WEATHER_SCHEMA } },
        },
      }),
      onToolCall: async ({ toolCall }) => {
        ran.push(toolCall.input);
        void chat.addToolOutput({
          tool: 'get_weather' as never,
          toolCallId: toolCall.toolCallId,
          output: { celsius: -3 } as never,
        });
      },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    });

    await chat.sendMessage({ text: 'Weather in Oslo?' });
    const answered = () => {
      const last = chat.plain.messages.at(-1);
      return (
        chat.plain.status === 'ready' &&
        last?.role === 'assistant' &&
        last.parts.some((p) => p.type === 'text' && p.text.includes('Cold in Oslo.'))
      );
    };
    await until(answered, 'the answer after the tool output');

    expect(ran).toEqual([{ city: 'Oslo' }]);
    const first = (await upstream.nextRequest()).body;
    expect(first.tools).toEqual([
      expect.objectContaining({
        function: expect.objectContaining({ name: 'get_weather', parameters: WEATHER_SCHEMA }),
      }),
    ]);
    const second = (await upstream.nextRequest()).body;
    expect(second.messages.slice(-3)).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      weatherCallMessage('call_u1', 'Oslo'),
      { role: 'tool', tool_call_id: 'call_u1', content: '{"celsius":-3}' },
    ]);
    const assistant = chat.plain.messages.at(-1);
    expect(assistant?.parts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'tool-get_weather',
          state: 'output-available',
          output: { celsius: -3 },
        }),
      ]),
    );
    // The client keeps this chat: the server stored nothing.
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it("takes the client's message list as the context, files included, when the chat is stateless", async () => {
    upstream.script({ tokens: ['A red apple.'] });
    const chat = new PlainChat({
      transport: new DefaultChatTransport({
        api: `${t.url}/v1/ui/chat`,
        body: { model: 'openai:gpt-4o-mini', store: false },
      }),
      messages: [
        { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'I will show you a picture.' }] },
        // An answer edited on the client: the model sees the edit, not what was once streamed.
        { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'Please do (edited).' }] },
      ],
    });
    await chat.sendMessage({
      text: 'What is it?',
      files: [{ type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' }],
    });
    await until(() => chat.plain.status === 'ready', 'the answer');
    const sent = (await upstream.nextRequest()).body;
    expect(sent.messages.slice(1)).toEqual([
      { role: 'user', content: 'I will show you a picture.' },
      { role: 'assistant', content: 'Please do (edited).' },
      {
        role: 'user',
        // useChat puts the files before the text.
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'What is it?' },
        ],
      },
    ]);
    expect(chat.plain.messages.at(-1)?.parts).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'text', text: 'A red apple.' })]),
    );
  });
});
