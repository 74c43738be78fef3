import { connect } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { WsTestClient } from './helpers/ws-client.js';

const QUESTION = 'How do I cancel a generation?';

/** Every run started so far, on any transport. */
async function runCount(t: TestServer): Promise<number> {
  const [row] = await t.db.query<{ n: number }>('select count(*)::int as n from runs');
  return row?.n ?? -1;
}

function postChat(t: TestServer, body: object = { message: QUESTION, stream: false }): Promise<Response> {
  return fetch(`${t.url}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function openSocketIo(t: TestServer): Promise<Socket> {
  const socket = io(t.url, { path: '/socket.io', transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Emits `chat_stream` and resolves with how the answer ended: `chat_complete` or `chat_error`. */
function socketIoChat(socket: Socket, message: string): Promise<{ event: string; payload: unknown }> {
  return new Promise((resolve) => {
    socket.once('chat_complete', (payload) => resolve({ event: 'chat_complete', payload }));
    socket.once('chat_error', (payload) => resolve({ event: 'chat_error', payload }));
    socket.emit('chat_stream', { message });
  });
}

describe('one chat budget, whichever transport spends it', () => {
  let t: TestServer | undefined;
  const sockets: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await t?.close();
    t = undefined;
  });

  it('after HTTP spent the minute, a WebSocket chat gets error rate_limited and a Socket.IO chat chat_error; no run starts', async () => {
    t = await startTestServer({ env: { RATE_LIMIT_CHAT_PER_MIN: '2' } });
    for (let i = 0; i < 2; i++) {
      const response = await postChat(t);
      expect(response.status).toBe(200);
      await response.json();
    }
    const runs = await runCount(t);

    const ws = await WsTestClient.open(t.url);
    sockets.push(ws);
    ws.send({ type: 'chat', message: QUESTION, request_id: 'over-budget' });
    expect(await ws.waitFor((m) => m.request_id === 'over-budget')).toEqual({
      type: 'error',
      code: 'rate_limited',
      message: expect.stringMatching(/^At most 2 chat requests a minute; try again in \d+ s\.$/),
      request_id: 'over-budget',
    });

    const socket = await openSocketIo(t);
    sockets.push(socket);
    expect(await socketIoChat(socket, QUESTION)).toEqual({
      event: 'chat_error',
      payload: { error: expect.stringMatching(/^At most 2 chat requests a minute/) },
    });

    expect(await runCount(t)).toBe(runs);
  });

  it('after the sockets spent the minute, HTTP answers 429 rate_limited, and the compatible APIs too', async () => {
    t = await startTestServer({ env: { RATE_LIMIT_CHAT_PER_MIN: '2' } });
    const ws = await WsTestClient.open(t.url);
    sockets.push(ws);
    ws.send({ type: 'chat', message: QUESTION, request_id: 'first' });
    const runId = await ws.runIdOf('first');
    await ws.runEvents(runId);
    const socket = await openSocketIo(t);
    sockets.push(socket);
    expect((await socketIoChat(socket, QUESTION)).event).toBe('chat_complete');
    const runs = await runCount(t);

    const refused = await postChat(t);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit')).toMatch(/^"chat";r=0;t=\d+$/);
    expect(await readJson(refused)).toMatchObject({ code: 'rate_limited', instance: '/v1/chat' });
    const openai = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: QUESTION }] }),
    });
    expect(openai.status).toBe(429);
    expect(await readJson(openai)).toMatchObject({
      error: { code: 'rate_limited', type: 'rate_limit_error' },
    });

    expect(await runCount(t)).toBe(runs);
  });
});

describe('shutdown on every transport', () => {
  it('tells each client, in its own protocol, where to resume or to ask again, before its connection closes', async () => {
    const model = new ScriptedModel({ deltas: [' one', ' two', ' three'], hangAfter: 2 });
    const t = await startTestServer({
      // The Socket.IO API names no model: every answer here comes from the one that stops after two tokens.
      env: { DEFAULT_MODEL: 'test:hang', SHUTDOWN_DEADLINE_MS: '100', MAX_CONCURRENT_RUNS_PER_USER: '10' },
      configureModels: (m) => m.register('test:hang', model),
    });
    try {
      // Native SSE: the stream ends with the `reconnect` notice after the last event id it sent.
      const sseEvents: ParsedEvent[] = [];
      let sseHasTwo!: () => void;
      const sseTwo = new Promise<void>((resolve) => {
        sseHasTwo = resolve;
      });
      const sse = postChatStream(
        t.url,
        { message: 'x' },
        {
          onEvent: (e) => {
            sseEvents.push(e);
            if (e.event === 'token' && e.data.delta === ' two') sseHasTwo();
          },
        },
      );

      // WebSocket: a `reconnect` message for the run, then close code 1012.
      const ws = await WsTestClient.open(t.url);
      ws.send({ type: 'chat', message: 'x', request_id: 'ws' });
      const wsRun = await ws.runIdOf('ws');
      await ws.waitFor((m) => m.run_id === wsRun && m.type === 'token' && m.delta === ' two');

      // Socket.IO: chat_error saying the server restarts, then the socket closes.
      const socket = await openSocketIo(t);
      const seen: { event: string; payload?: unknown }[] = [];
      const disconnected = new Promise<void>((resolve) =>
        socket.once('disconnect', () => {
          seen.push({ event: 'disconnect' });
          resolve();
        }),
      );
      const socketIoTwo = new Promise<void>((resolve) => {
        socket.on('chat_token', (payload: { count: number }) => {
          seen.push({ event: 'chat_token' });
          if (payload.count === 2) resolve();
        });
      });
      socket.on('chat_error', (payload) => seen.push({ event: 'chat_error', payload }));
      socket.emit('chat_stream', { message: 'x', session_id: 'shutdown-1' });
      await socketIoTwo;

      // A JSON reply waiting for its run: 503 server_restarting naming the run.
      const json = postChat(t, { message: 'x', stream: false });
      await sseTwo;
      await new Promise<void>((resolve) => {
        const allFour = () => t.server.runs.size === 4 && resolve();
        t.server.runs.on('started', allFour);
        allFour();
      });
      await t.server.shutdown();

      await sse;
      expect(sseEvents.at(-1)).toMatchObject({
        event: 'reconnect',
        data: { type: 'reconnect', after: sseEvents.at(-2)?.id },
      });

      const wsEvents = ws.messages.filter((m) => m.run_id === wsRun);
      expect(wsEvents.at(-1)).toEqual({
        type: 'reconnect',
        run_id: wsRun,
        after: wsEvents.at(-2)?.id,
        url: `/v1/runs/${wsRun}/events`,
      });
      expect((await ws.closed).code).toBe(1012);

      await disconnected;
      expect(seen).toEqual([
        { event: 'chat_token' },
        { event: 'chat_token' },
        {
          event: 'chat_error',
          payload: { error: 'The server is restarting; please send your message again.' },
        },
        { event: 'disconnect' },
      ]);

      const reply = await json;
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(await readJson(reply)).toMatchObject({ code: 'server_restarting' });
    } finally {
      await t.db.close();
    }
  });

  it('closes although a client opened a connection and sent nothing on it (a pool does so)', async () => {
    const t = await startTestServer();
    const port = Number(new URL(t.url).port);
    const silent = connect(port, '127.0.0.1');
    const ended = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.on('error', () => {});
    try {
      await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
      // A used, kept-alive connection beside it.
      const health = await fetch(`${t.url}/health`);
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      await t.server.close();
      await ended;
      expect(silent.bytesRead).toBe(0);
    } finally {
      silent.destroy();
      await t.db.close();
    }
  });
});
