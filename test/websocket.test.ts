import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunId } from '../src/protocol/index.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { type WsMessage, WsTestClient } from './helpers/ws-client.js';

const QUESTION = 'How do I cancel a generation?';

/** The events of a run as `GET /v1/runs/:id/events` sends them: id and the parsed `data`. */
async function sseEvents(url: string): Promise<{ id: number; data: WsMessage }[]> {
  const events: { id: number; data: WsMessage }[] = [];
  const parser = createParser({
    onEvent: (e) => void events.push({ id: Number(e.id), data: JSON.parse(e.data) as WsMessage }),
  });
  parser.feed(await fetch(url).then((r) => r.text()));
  return events;
}

function withoutRequestId({ request_id: _, ...message }: WsMessage): WsMessage {
  return message;
}

describe('GET /v1/ws carries many runs over one WebSocket', () => {
  let t: TestServer;
  const hang = new ScriptedModel({ deltas: ['Partial', ' answer', ' never', ' finished'], hangAfter: 2 });
  const hangUntilGone = new ScriptedModel({ deltas: ['Waiting'], hangAfter: 1 });
  const clients: WsTestClient[] = [];
  async function open(): Promise<WsTestClient> {
    const client = await WsTestClient.open(t.url);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    // A small delay per token keeps runs live long enough to overlap; the per-user cap on running runs
    // (3 by default) is lifted so the per-socket cap (10) is what these tests meet.
    t = await startTestServer({
      env: { LOCAL_TOKEN_DELAY_MS: '2', MAX_CONCURRENT_RUNS_PER_USER: '100' },
      configureModels: (m) => m.register('test:hang', hang).register('test:hang-until-gone', hangUntilGone),
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  it('streams a chat as the SSE events, each tagged with run_id and id 1..n, ending with done', async () => {
    const c = await open();
    c.send({ type: 'chat', message: QUESTION, request_id: 'first' });
    const runId = await c.runIdOf('first');
    const events = await c.runEvents(runId);

    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'start', run_id: runId, request_id: 'first', model: 'local' });
    expect(events.slice(1).filter((e) => 'request_id' in e)).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'done', finish_reason: 'stop' });
    expect(events.every((e) => e.run_id === runId)).toBe(true);

    // The same objects SSE sends, with run_id and id added.
    const sse = await sseEvents(`${t.url}/v1/runs/${runId}/events?after=0`);
    expect(events.map(withoutRequestId)).toEqual(sse.map((e) => ({ ...e.data, run_id: runId, id: e.id })));

    // Frames extend the event JSON: a start names its run once, a token ends with run_id and id.
    const frames = c.frames.filter((f) => f.includes(runId));
    expect(frames[0]?.match(/"run_id"/g)).toHaveLength(1);
    const token = frames.find((f) => f.startsWith('{"type":"token"'));
    expect(token).toMatch(new RegExp(`^\\{"type":"token","delta":".*","run_id":"${runId}","id":\\d+\\}$`));
  });

  it('interleaves two chats on one socket, each run complete and in order', async () => {
    const c = await open();
    c.send({ type: 'chat', message: QUESTION, request_id: 'a' });
    c.send({ type: 'chat', message: 'How are events numbered?', request_id: 'b' });
    const [a, b] = await Promise.all([c.runIdOf('a'), c.runIdOf('b')]);
    expect(a).not.toBe(b);
    const runs = await Promise.all([c.runEvents(a), c.runEvents(b)]);

    for (const events of runs) {
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events[0]?.type).toBe('start');
      expect(events.at(-1)).toMatchObject({ type: 'done', finish_reason: 'stop' });
    }
    const order = c.messages.map((m) => m.run_id);
    const switches = order.filter((runId, i) => i > 0 && runId !== order[i - 1]).length;
    expect(switches).toBeGreaterThan(1);
  });

  it('cancels a run on request: it ends with done, finish_reason cancelled, and the partial answer is stored', async () => {
    const c = await open();
    c.send({ type: 'chat', message: 'Tell me everything', model: 'test:hang', request_id: 'h' });
    const runId = await c.runIdOf('h');
    await c.waitFor((m) => m.run_id === runId && m.type === 'token' && m.delta === ' answer');
    c.send({ type: 'cancel', run_id: runId });

    const events = await c.runEvents(runId);
    expect(events.at(-1)).toMatchObject({ type: 'done', finish_reason: 'cancelled' });
    expect(String(await hang.aborted)).toMatch(/cancelled on request/);
    await t.server.runs.whenSettled(runId as RunId);
    const conversation = await fetch(`${t.url}/v1/conversations/${events[0]?.conversation_id}`).then(
      readJson,
    );
    expect(conversation.messages.at(-1)).toMatchObject({ content: 'Partial answer', status: 'cancelled' });
  });

  it('resumes a finished run on a new socket with exactly the events after `after`', async () => {
    const a = await open();
    a.send({ type: 'chat', message: QUESTION, request_id: 'r' });
    const runId = await a.runIdOf('r');
    const events = (await a.runEvents(runId)).map(withoutRequestId);

    const b = await open();
    b.send({ type: 'resume', run_id: runId, after: 5 });
    expect(await b.runEvents(runId)).toEqual(events.slice(5));
  });

  it('resumes a live run: replays what it missed, then follows live to the end', async () => {
    const a = await open();
    a.send({ type: 'chat', message: 'Tell me everything', model: 'test:hang', request_id: 'live' });
    const runId = await a.runIdOf('live');
    await a.waitFor((m) => m.run_id === runId && m.type === 'token' && m.delta === ' answer');

    const b = await open();
    b.send({ type: 'resume', run_id: runId, after: 1, request_id: 'again' });
    await b.waitFor((m) => m.run_id === runId && m.type === 'token' && m.delta === ' answer');
    b.send({ type: 'cancel', run_id: runId });

    const seenByA = (await a.runEvents(runId)).map(withoutRequestId);
    const seenByB = await b.runEvents(runId);
    expect(seenByB[0]).toMatchObject({ id: 2, request_id: 'again' });
    expect(seenByB.map(withoutRequestId)).toEqual(seenByA.slice(1));
    expect(seenByB.at(-1)).toMatchObject({ type: 'done', finish_reason: 'cancelled' });
  });

  it('answers a bad message with an error message and keeps the socket open', async () => {
    const c = await open();
    const errors: WsMessage[] = [];
    const sendAndAwaitError = async (message: object | string) => {
      const before = c.messages.length;
      c.send(message);
      errors.push(await c.waitFor((m) => c.messages.indexOf(m) >= before && m.type === 'error'));
    };

    await sendAndAwaitError('{"type": "chat", ');
    await sendAndAwaitError({ type: 'dance', request_id: 'u' });
    await sendAndAwaitError({ type: 'chat', message: '   ', request_id: 'e' });
    await sendAndAwaitError({ type: 'chat', message: 'x'.repeat(32_001), request_id: 'long' });
    await sendAndAwaitError({ type: 'chat', message: 'hi', colour: 'blue', request_id: 'k' });
    await sendAndAwaitError({ type: 'chat', message: 'hi', model: 'nobody:nothing', request_id: 'm' });
    await sendAndAwaitError({ type: 'chat', message: 'hi', conversation_id: 'conv_gone', request_id: 'c' });
    await sendAndAwaitError({ type: 'resume', run_id: 'run_unknown', after: 0, request_id: 'n' });
    await sendAndAwaitError({ type: 'cancel', run_id: 'run_unknown' });

    const error = (code: string, request_id?: string) => ({
      type: 'error',
      code,
      message: expect.any(String),
      request_id,
    });
    expect(errors).toEqual([
      error('malformed_json'),
      error('unknown_message_type', 'u'),
      error('invalid_request', 'e'),
      error('message_too_long', 'long'),
      error('invalid_request', 'k'),
      error('unknown_model', 'm'),
      error('conversation_not_found', 'c'),
      error('run_not_found', 'n'),
      error('run_not_found'),
    ]);
    expect(errors[2]?.message).toBe('message: message must not be empty');
    expect(errors[4]?.message).toMatch(/colour/);

    c.send({ type: 'ping', request_id: 'still-there' });
    expect(await c.waitFor((m) => m.type === 'pong')).toEqual({ type: 'pong', request_id: 'still-there' });
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses an eleventh concurrent run with too_many_runs, and takes one again once a run ends', async () => {
    const c = await open();
    for (let i = 0; i < 10; i++)
      c.send({ type: 'chat', message: 'Wait for me', model: 'test:hang-until-gone', request_id: `run-${i}` });
    const runIds = await Promise.all(Array.from({ length: 10 }, (_, i) => c.runIdOf(`run-${i}`)));

    c.send({ type: 'chat', message: QUESTION, request_id: 'eleventh' });
    expect(await c.waitFor((m) => m.request_id === 'eleventh')).toMatchObject({
      type: 'error',
      code: 'too_many_runs',
    });
    c.send({ type: 'resume', run_id: runIds[0] as string, after: 0, request_id: 'twice' });
    expect(await c.waitFor((m) => m.request_id === 'twice')).toMatchObject({ code: 'already_following' });

    c.send({ type: 'cancel', run_id: runIds[0] as string });
    await c.runEvents(runIds[0] as string);
    c.send({ type: 'chat', message: QUESTION, request_id: 'after-one-ended' });
    expect(await c.waitFor((m) => m.request_id === 'after-one-ended')).toMatchObject({ type: 'start' });

    for (const runId of runIds) c.send({ type: 'cancel', run_id: runId });
    await Promise.all(runIds.map((runId) => c.runEvents(runId)));
  });

  it('closing the socket ends its subscriptions: a run with on_disconnect "cancel" stops, a "continue" run finishes', async () => {
    const c = await open();
    c.send({
      type: 'chat',
      message: 'Stop when I go',
      model: 'test:hang-until-gone',
      on_disconnect: 'cancel',
      request_id: 'cancel',
    });
    c.send({ type: 'chat', message: QUESTION, request_id: 'continue' });
    const [stops, goesOn] = await Promise.all([c.runIdOf('cancel'), c.runIdOf('continue')]);
    const conversationOf = async (requestId: string) =>
      String((await c.waitFor((m) => m.request_id === requestId)).conversation_id);
    const [stopsIn, goesOnIn] = await Promise.all([conversationOf('cancel'), conversationOf('continue')]);
    await c.close();

    await Promise.all([
      t.server.runs.whenSettled(stops as RunId),
      t.server.runs.whenSettled(goesOn as RunId),
    ]);
    const last = async (conversationId: string) =>
      (await fetch(`${t.url}/v1/conversations/${conversationId}`).then(readJson)).messages.at(-1);
    expect(await last(stopsIn)).toMatchObject({ status: 'cancelled' });
    expect(await last(goesOnIn)).toMatchObject({ status: 'complete' });
  });
});

describe('GET /v1/ws limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SSE_KEEPALIVE_MS: '1000', BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(() => t.close());

  it('pings every SSE_KEEPALIVE_MS and terminates a socket that missed a pong', async () => {
    const silent = await WsTestClient.open(t.url, { autoPong: false });
    const answering = await WsTestClient.open(t.url);
    let pings = 0;
    const pingedTwice = new Promise<void>((resolve) =>
      answering.socket.on('ping', () => {
        if (++pings === 2) resolve();
      }),
    );

    expect(await silent.closed).toEqual({ code: 1006 });
    await pingedTwice;
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    await answering.close();
  });

  it('closes a socket that sends a frame larger than BODY_LIMIT_BYTES with 1009', async () => {
    const c = await WsTestClient.open(t.url);
    c.send({ type: 'chat', message: 'x'.repeat(3000) });
    expect(await c.closed).toEqual({ code: 1009 });
  });
});
