import { randomUUID } from 'node:crypto';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiDataTypes, UiMessageMetadata } from '../src/formats/index.js';
import type { RunEvent, RunId } from '../src/protocol/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { ENGINES, startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';

type ChatMessage = UIMessage<UiMessageMetadata, UiDataTypes>;
type Chunk = UIMessageChunk<UiMessageMetadata, UiDataTypes>;

const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);

const userMessage = (text: string): ChatMessage => ({
  id: randomUUID(),
  role: 'user',
  parts: [{ type: 'text', text }],
});

/** useChat's transport against the server, remembering the headers of the last response. */
function transportFor(url: string, body?: Record<string, unknown>) {
  const seen: { headers?: Headers } = {};
  const transport = new DefaultChatTransport<ChatMessage>({
    api: `${url}/v1/ui/chat`,
    body,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      seen.headers = response.headers;
      return response;
    },
  });
  return { transport, seen };
}

/** The transport's chunks, with StreamForge's data parts and metadata typed as the encoder sends them. */
const typed = (stream: ReadableStream<UIMessageChunk>) => stream as ReadableStream<Chunk>;

/** Every chunk of a stream, each a copy: the SDK's message assembly mutates the chunks it keeps. */
async function collect(stream: ReadableStream<UIMessageChunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of typed(stream)) chunks.push(structuredClone(chunk));
  return chunks;
}

/** The message the SDK's own `readUIMessageStream` builds from the chunks. */
async function assemble(chunks: Chunk[]): Promise<ChatMessage | undefined> {
  let message: ChatMessage | undefined;
  const stream = ReadableStream.from(chunks.map((c) => structuredClone(c)));
  for await (const m of readUIMessageStream<ChatMessage>({ stream })) message = m;
  return message;
}

/** Sends one user message in chat `chatId` and reads the whole answer. */
async function send(url: string, chatId: string, text: string, body?: Record<string, unknown>) {
  const { transport, seen } = transportFor(url, body);
  const stream = await transport.sendMessages({
    chatId,
    messages: [userMessage(text)],
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
  });
  const chunks = await collect(stream);
  const message = await assemble(chunks);
  if (!message) throw new Error('no message');
  return { chunks, message, headers: seen.headers };
}

/** The chunk types in order, a run of text deltas as one, progress parts as `id:status`. */
function shape(chunks: Chunk[]): string[] {
  const out: string[] = [];
  for (const c of chunks) {
    const label = c.type === 'data-progress' ? `${c.id}:${c.data.status}` : c.type;
    if (label === 'text-delta' && out.at(-1) === 'text-delta') continue;
    out.push(label);
  }
  return out;
}

const textOf = (message: ChatMessage) => message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');

/** A run's native events, read back from its log. */
async function nativeEvents(url: string, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  const parser = createParser({ onEvent: (m) => events.push(JSON.parse(m.data)) });
  parser.feed(await fetch(`${url}/v1/runs/${runId}/events`).then((r) => r.text()));
  return events;
}

async function conversation(url: string, id: string | undefined) {
  return fetch(`${url}/v1/conversations/${id}`).then(readJson);
}

describe.each(ENGINES)('POST /v1/ui/chat, read by the AI SDK’s own client (%s)', (engine) => {
  let t: TestServer;
  const slow = new ScriptedModel({ deltas: words(40), delayMs: 10 });
  const fail = new ScriptedModel({
    deltas: ['Half', ' of', ' it'],
    failAfter: 2,
    failWith: new Error('ECONNRESET at 10.0.0.7 with key sk-secret-123'),
  });
  beforeAll(async () => {
    t = await startTestServer({
      engine,
      configureModels: (m) => m.register('test:slow', slow).register('test:fail', fail),
    });
  });
  afterAll(() => t.close());

  it('streams the run as UI message chunks that assemble into the stored answer', async () => {
    const { chunks, message, headers } = await send(t.url, randomUUID(), 'How do I cancel a generation?');
    expect(headers?.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers?.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(shape(chunks)).toEqual([
      'start',
      'start-step',
      'progress-history:started',
      'progress-history:completed',
      'progress-generate:started',
      'text-start',
      'text-delta',
      'progress-generate:completed',
      'text-end',
      'finish-step',
      'finish',
    ]);

    const metadata = message.metadata;
    const stored = await conversation(t.url, metadata?.conversation_id);
    const answer = stored.messages[1];
    expect(message.id).toBe(answer.id);
    expect(textOf(message)).toBe(answer.content);
    expect(answer.content.length).toBeGreaterThan(0);
    expect(metadata).toMatchObject({ run_id: answer.run_id, usage: answer.usage, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });

    // Each progress event of the run is one data part, in order; a step's later status replaces its earlier.
    const progress = (await nativeEvents(t.url, String(metadata?.run_id))).filter(
      (e) => e.type === 'progress',
    );
    expect(chunks.filter((c) => c.type === 'data-progress').map((c) => c.data)).toEqual(
      progress.map(({ type: _type, ...data }) => data),
    );
    expect(message.parts.filter((p) => p.type === 'data-progress').map((p) => p.data.status)).toEqual([
      'completed',
      'completed',
    ]);
  });

  it('frames every chunk as one `data:` line of JSON and ends with `data: [DONE]`', async () => {
    const response = await fetch(`${t.url}/v1/ui/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: randomUUID(), messages: [userMessage('hello')], trigger: 'submit-message' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const body = await response.text();
    expect(body.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    const frames = body.split('\n\n').filter((f) => f !== '');
    for (const frame of frames) expect(frame).toMatch(/^data: [^\n]+$/);
    const types = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)).type);
    expect(types.slice(0, 2)).toEqual(['start', 'start-step']);
    expect(types.at(-1)).toBe('finish');
  });

  it('sends a table as one data-component part, replaced as it fills, between two text parts', async () => {
    const { chunks, message } = await send(t.url, randomUUID(), 'top 3 products by price');
    const componentChunks = chunks.filter((c) => c.type === 'data-component');
    // create, three rows, complete: each a whole new state of the same part.
    expect(componentChunks.map((c) => [c.id, c.data.status, c.data.rows.length])).toEqual([
      ['table-1', 'loading', 0],
      ['table-1', 'loading', 1],
      ['table-1', 'loading', 2],
      ['table-1', 'loading', 3],
      ['table-1', 'complete', 3],
    ]);
    const visible = message.parts.filter((p) => p.type === 'text' || p.type === 'data-component');
    expect(visible.map((p) => p.type)).toEqual(['text', 'data-component', 'text']);
    const table = visible[1];
    if (table?.type !== 'data-component') throw new Error('no table');
    expect(table.data.rows).toHaveLength(3);

    const stored = await conversation(t.url, message.metadata?.conversation_id);
    expect(table.data).toEqual(stored.messages[1].components[0]);
    expect(textOf(message)).toBe(stored.messages[1].content);
  });

  it('regenerate() replaces the chat’s last answer instead of adding a turn', async () => {
    const chatId = randomUUID();
    const first = await send(t.url, chatId, 'How do I cancel a generation?');
    const conversationId = first.message.metadata?.conversation_id;
    const before = await conversation(t.url, conversationId);

    // What useChat sends for regenerate(): the messages up to the user message, and the answer's id.
    const { transport } = transportFor(t.url, { model: 'test:slow' });
    const stream = await transport.sendMessages({
      chatId,
      messages: [userMessage('How do I cancel a generation?')],
      trigger: 'regenerate-message',
      messageId: first.message.id,
      abortSignal: undefined,
    });
    const message = await assemble(await collect(stream));
    expect(textOf(message as ChatMessage)).toBe(words(40).join(''));

    const after = await conversation(t.url, conversationId);
    expect(after.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(after.messages[0]).toEqual(before.messages[0]);
    expect(after.messages[1]).toMatchObject({ content: words(40).join(''), model: 'test:slow' });
  });

  it('continues the same conversation for the same chat id, and takes a conversation id as chat id', async () => {
    const chatId = randomUUID();
    const first = await send(t.url, chatId, 'How do I cancel a generation?');
    const second = await send(t.url, chatId, 'How are events numbered?');
    const conversationId = first.message.metadata?.conversation_id;
    expect(second.message.metadata?.conversation_id).toBe(conversationId);
    const stored = await conversation(t.url, conversationId);
    expect(stored.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(stored.messages[2].content).toBe('How are events numbered?');
    expect(stored.messages[3].content).toBe(textOf(second.message));

    const created = await fetch(`${t.url}/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).then(readJson);
    const third = await send(t.url, created.id, 'hello');
    expect(third.message.metadata?.conversation_id).toBe(created.id);
  });

  it('resumes an active run from its start (useChat `resume`), and answers 204 when there is none', async () => {
    const { transport } = transportFor(t.url, { model: 'test:slow' });
    expect(await transport.reconnectToStream({ chatId: randomUUID() })).toBeNull();

    const chatId = randomUUID();
    const abort = new AbortController();
    const stream = await transport.sendMessages({
      chatId,
      messages: [userMessage('count slowly')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: abort.signal,
    });
    // The page goes away after a few words; the run goes on (`on_disconnect: "continue"`).
    const reader = typed(stream).getReader();
    const before: Chunk[] = [];
    while (before.filter((c) => c.type === 'text-delta').length < 3) {
      const { value } = await reader.read();
      if (value) before.push(structuredClone(value));
    }
    abort.abort();
    await reader.cancel().catch(() => {});

    const resumed = await transport.reconnectToStream({ chatId });
    if (!resumed) throw new Error('no active run to resume');
    const chunks = await collect(resumed);
    expect(chunks.slice(0, before.length)).toEqual(before);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    const message = await assemble(chunks);
    expect(textOf(message as ChatMessage)).toBe(words(40).join(''));

    await t.server.runs.whenSettled(message?.metadata?.run_id as RunId);
    const stored = await conversation(t.url, message?.metadata?.conversation_id);
    expect(stored.messages[1]).toMatchObject({ content: words(40).join(''), status: 'complete' });
    expect(await transport.reconnectToStream({ chatId })).toBeNull();
  });

  it('ends a failed run with an error chunk carrying the run’s human message', async () => {
    const failed = await send(t.url, randomUUID(), 'Explain it', { model: 'test:fail' });
    const runId = String(failed.message.metadata?.run_id);
    const error = (await nativeEvents(t.url, runId)).at(-1);
    expect(error?.type).toBe('error');
    expect(shape(failed.chunks).slice(-5)).toEqual([
      'text-delta',
      'progress-generate:failed',
      'text-end',
      'message-metadata',
      'error',
    ]);
    expect(failed.chunks.at(-1)).toEqual({
      type: 'error',
      errorText: error?.type === 'error' ? error.message : undefined,
    });
    expect(JSON.stringify(failed.chunks)).not.toMatch(/secret|ECONNRESET/);
    expect(textOf(failed.message)).toBe('Half of');
  });

  it('ends a cancelled run with abort, after the usage so far', async () => {
    const { transport } = transportFor(t.url, { model: 'test:slow' });
    const stream = await transport.sendMessages({
      chatId: randomUUID(),
      messages: [userMessage('count slowly')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const chunks: Chunk[] = [];
    let runId: string | undefined;
    for await (const chunk of typed(stream)) {
      chunks.push(structuredClone(chunk));
      if (chunk.type === 'start') runId = chunk.messageMetadata?.run_id;
      if (chunk.type === 'text-start') {
        const cancelled = await fetch(`${t.url}/v1/runs/${runId}/cancel`, { method: 'POST' });
        expect(cancelled.status).toBe(202);
      }
    }
    expect(shape(chunks).slice(-4)).toEqual(['text-delta', 'text-end', 'message-metadata', 'abort']);
    expect(chunks.at(-2)).toMatchObject({
      messageMetadata: { finish_reason: 'cancelled', usage: { output_tokens: expect.any(Number) } },
    });
    const message = await assemble(chunks);
    await t.server.runs.whenSettled(runId as RunId);
    const stored = (await conversation(t.url, message?.metadata?.conversation_id)).messages[1];
    expect(stored.status).toBe('cancelled');
    expect(textOf(message as ChatMessage)).toBe(stored.content);
  });

  it('refuses a request whose last user message has no text', async () => {
    const response = await fetch(`${t.url}/v1/ui/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'c',
        messages: [{ id: 'm', role: 'user', parts: [{ type: 'file', url: 'x', mediaType: 'image/png' }] }],
      }),
    });
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a file part in a stored chat, naming it, rather than dropping it, and stores nothing', async () => {
    const before = await tableCounts(t.db);
    const file = {
      type: 'file',
      url: 'data:text/plain;base64,aGk=',
      mediaType: 'text/plain',
      filename: 'a.txt',
    };
    const response = await fetch(`${t.url}/v1/ui/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: randomUUID(),
        messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'Summarise this file' }, file] }],
      }),
    });
    expect(response.status).toBe(400);
    const problem = await readJson(response);
    expect(problem).toMatchObject({ code: 'invalid_request', errors: [{ path: 'body.messages.0.parts.1' }] });
    expect(JSON.stringify(problem)).toContain('store: false');
    expect(await tableCounts(t.db)).toEqual(before);
  });
});

describe('POST /v1/ui/chat over uploaded documents', () => {
  let t: TestServer;
  let documentId: string;
  beforeAll(async () => {
    t = await startTestServer();
    const { body } = await upload(t.url, [
      {
        name: 'kettle-care.md',
        content:
          '# Kettle care\n\n## Descaling\n\nDescale the Aurora kettle every four weeks with white vinegar. ' +
          'Fill it halfway, boil once, and leave the vinegar in for an hour before rinsing twice.\n\n' +
          '## Filter\n\nThe limescale filter of the Aurora kettle lifts out and is rinsed under the tap weekly.\n',
      },
    ]);
    documentId = body.files[0].document.id;
  });
  afterAll(() => t.close());

  it('sends each source as a source-document part before the text', async () => {
    const { chunks, message } = await send(
      t.url,
      randomUUID(),
      'How often should I descale the Aurora kettle?',
    );
    const types = chunks.map((c) => c.type);
    const sources = chunks.filter((c) => c.type === 'source-document');
    expect(sources.length).toBeGreaterThan(0);
    expect(types.lastIndexOf('source-document')).toBeLessThan(types.indexOf('text-start'));

    const stored = (await conversation(t.url, message.metadata?.conversation_id)).messages[1];
    expect(textOf(message)).toBe(stored.content);
    expect(sources).toEqual(
      stored.sources.map(
        (s: {
          n: number;
          title: string;
          document_id: string;
          chunk_id: string;
          snippet: string;
          score: number;
        }) => ({
          type: 'source-document',
          sourceId: String(s.n),
          mediaType: 'text/plain',
          title: s.title,
          providerMetadata: {
            streamforge: {
              n: s.n,
              document_id: s.document_id,
              chunk_id: s.chunk_id,
              snippet: s.snippet,
              score: s.score,
            },
          },
        }),
      ),
    );
    expect(
      sources.every(
        (s) => s.type === 'source-document' && s.providerMetadata?.streamforge?.document_id === documentId,
      ),
    ).toBe(true);
    expect(message.parts.filter((p) => p.type === 'source-document')).toHaveLength(sources.length);
  });
});

describe('POST /v1/ui/chat takes the client’s history as the truth', () => {
  let t: TestServer;
  const recorder = new ScriptedModel({ deltas: ['Noted', '.'] });
  beforeAll(async () => {
    t = await startTestServer({ configureModels: (m) => m.register('test:rec', recorder) });
  });
  afterAll(() => t.close());

  const post = (chatId: string, messages: ChatMessage[]) =>
    fetch(`${t.url}/v1/ui/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, messages, trigger: 'submit-message', model: 'test:rec' }),
    }).then((r) => r.text());
  const assistant = (text: string): ChatMessage => ({
    id: randomUUID(),
    role: 'assistant',
    parts: [{ type: 'text', text }],
  });

  it('goes on from a new conversation holding an edited history, which the chat id names from then on', async () => {
    const chatId = randomUUID();
    const first = userMessage('My name is Ann.');
    await post(chatId, [first]);
    const sessions = async () =>
      (
        await t.db.query<{ conversation_id: string }>(
          'select conversation_id from legacy_sessions where id like $1',
          [`%${chatId}`],
        )
      )[0]?.conversation_id;
    const original = await sessions();

    // The same history the server holds: the conversation goes on, nothing is branched.
    await post(chatId, [first, assistant('Noted.'), userMessage('What is my name?')]);
    expect(await sessions()).toBe(original);

    // The client edited its first message: the model hears the edit, and a new conversation holds it.
    const calls = recorder.calls.length;
    await post(chatId, [userMessage('My name is Bo.'), assistant('Noted.'), userMessage('What is my name?')]);
    const prompt = recorder.calls[calls]?.prompt ?? [];
    expect(prompt.slice(1).map((m) => [m.role, (m.content as { text: string }[])[0]?.text])).toEqual([
      ['user', 'My name is Bo.'],
      ['assistant', 'Noted.'],
      ['user', 'What is my name?'],
    ]);
    const branch = await sessions();
    expect(branch).not.toBe(original);
    const branched = await conversation(t.url, branch);
    expect(branched.messages.map((m: { content: string }) => m.content)).toEqual([
      'My name is Bo.',
      'Noted.',
      'What is my name?',
      'Noted.',
    ]);
    // The conversation it branched from is kept as it was.
    expect((await conversation(t.url, original)).messages).toHaveLength(4);
  });
});
