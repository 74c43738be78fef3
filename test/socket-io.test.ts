import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../src/store/index.js';
import { readJson } from './helpers/read-json.js';
import { startTestServer, tableCounts, type TestServer } from './helpers/test-server.js';
import { WsTestClient } from './helpers/ws-client.js';

interface ChatToken {
  token: string;
  count: number;
  partial: string;
}
type Answer =
  | {
      tokens: ChatToken[];
      complete: { tokens: number; duration: number; speed: number; message_id: string; session_id: string };
    }
  | { tokens: ChatToken[]; error: string };

/** Emits `chat_stream` and collects the answer: its chat_token events, then chat_complete or chat_error. */
function chatStream(socket: Socket, payload: unknown): Promise<Answer> {
  const tokens: ChatToken[] = [];
  const onToken = (t: ChatToken) => void tokens.push(t);
  socket.on('chat_token', onToken);
  return new Promise<Answer>((resolve) => {
    const end = (answer: Answer) => {
      socket.off('chat_token', onToken);
      socket.off('chat_complete', onComplete);
      socket.off('chat_error', onError);
      resolve(answer);
    };
    const onComplete = (complete: Extract<Answer, { complete: unknown }>['complete']) =>
      end({ tokens, complete });
    const onError = ({ error }: { error: string }) => end({ tokens, error });
    socket.on('chat_complete', onComplete);
    socket.on('chat_error', onError);
    socket.emit('chat_stream', payload);
  });
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
}

function completed(answer: Answer) {
  if (!('complete' in answer)) throw new Error(`chat_error: ${answer.error}`);
  return answer;
}

describe('Socket.IO: the older chat_stream API over the same runs', () => {
  let t: TestServer;
  let socket: Socket;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    socket = io(t.url, { path: '/socket.io', transports: ['websocket'], reconnection: false });
    await connected(socket);
  });
  afterEach(() => {
    socket.disconnect();
  });

  it('streams chat_token {token, count, partial}, then chat_complete with the stored message and the session', async () => {
    const { tokens, complete } = completed(
      await chatStream(socket, { message: 'How do I cancel a generation?', session_id: 'legacy-1' }),
    );

    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.map((t) => t.count)).toEqual(tokens.map((_, i) => i + 1));
    tokens.reduce((text, t) => {
      expect(t.partial).toBe(text + t.token);
      return t.partial;
    }, '');
    expect(complete).toEqual({
      tokens: tokens.length,
      duration: expect.any(Number),
      speed: expect.any(Number),
      message_id: expect.stringMatching(/^msg_/),
      session_id: 'legacy-1',
    });
    expect(complete.speed).toBeGreaterThan(0);

    const conversationId = await new SessionStore(t.db).conversationFor('local', 'legacy-1');
    const conversation = await fetch(`${t.url}/v1/conversations/${conversationId}`).then(readJson);
    expect(conversation.messages.at(-1)).toMatchObject({
      id: complete.message_id,
      content: tokens.at(-1)?.partial,
      status: 'complete',
    });
  });

  it('continues the conversation of a session on a second chat_stream', async () => {
    completed(await chatStream(socket, { message: 'What is a run?', session_id: 'legacy-2' }));
    completed(await chatStream(socket, { message: 'How do I resume it?', session_id: 'legacy-2' }));

    const conversationId = await new SessionStore(t.db).conversationFor('local', 'legacy-2');
    const conversation = await fetch(`${t.url}/v1/conversations/${conversationId}`).then(readJson);
    expect(conversation.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(conversation.messages[2]).toMatchObject({ content: 'How do I resume it?' });
  });

  it('without a session_id starts a conversation and answers with its id as session_id, which continues it', async () => {
    const first = completed(await chatStream(socket, { message: 'What is a run?' }));
    const sessionId = first.complete.session_id;
    expect(sessionId).toMatch(/^conv_/);
    completed(await chatStream(socket, { message: 'And a conversation?', session_id: sessionId }));

    const conversation = await fetch(`${t.url}/v1/conversations/${sessionId}`).then(readJson);
    expect(conversation.messages).toHaveLength(4);
  });

  it('answers an empty message with chat_error and stores nothing; the socket keeps working', async () => {
    const before = await tableCounts(t.db);
    expect(await chatStream(socket, { message: '   ', session_id: 'legacy-3' })).toEqual({
      tokens: [],
      error: 'message must not be empty',
    });
    expect(await chatStream(socket, 'not an object')).toEqual({
      tokens: [],
      error: 'chat_stream expects {message, session_id?}',
    });
    expect(await tableCounts(t.db)).toEqual(before);
    expect(await new SessionStore(t.db).conversationFor('local', 'legacy-3')).toBeUndefined();

    completed(await chatStream(socket, { message: 'What is stored?', session_id: 'legacy-3' }));
  });

  it('streams to a client on the default transports too (long-polling, then the upgrade)', async () => {
    const polling = io(t.url, { path: '/socket.io', reconnection: false });
    try {
      await connected(polling);
      const { tokens, complete } = completed(await chatStream(polling, { message: 'What is a run?' }));
      expect(complete.tokens).toBe(tokens.length);
    } finally {
      polling.disconnect();
    }
  });

  it('shares the http server with /v1/ws and the HTTP routes', async () => {
    const ws = await WsTestClient.open(t.url);
    ws.send({ type: 'ping' });
    expect(await ws.waitFor((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    await ws.close();
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect(socket.connected).toBe(true);
  });
});
