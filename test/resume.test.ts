import net from 'node:net';
import { EventSource } from 'eventsource';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunId } from '../src/protocol/index.js';
import { startCuttingProxy } from './helpers/cutting-proxy.js';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);

/** GET /v1/runs/:id/events from `after`, reading up to `limit` events (then cutting the connection). */
async function resume(url: string, runId: string, after: number, limit = Number.POSITIVE_INFINITY) {
  const events: ParsedEvent[] = [];
  const response = await fetch(`${url}/v1/runs/${runId}/events`, {
    headers: { 'last-event-id': String(after) },
  });
  if (response.status !== 200 || !response.body) {
    return { status: response.status, events, body: await response.text() };
  }
  const parser = createParser({
    onEvent: (m) => {
      if (events.length < limit)
        events.push({ id: Number(m.id), event: m.event ?? '', data: JSON.parse(m.data), read: 0 });
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  // Cutting the connection is cancelling the body once the limit is reached.
  while (events.length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel().catch(() => {});
  return { status: 200, events, body: '' };
}

const strip = (events: ParsedEvent[]) => events.map((e) => ({ id: e.id, event: e.event, data: e.data }));

describe('resumable runs (in-process log)', () => {
  let t: TestServer;
  const slow = new ScriptedModel({ deltas: words(40), delayMs: 4 });
  const fast = new ScriptedModel({ deltas: words(25) });
  const hang = new ScriptedModel({ deltas: words(10), hangAfter: 3 });
  beforeAll(async () => {
    t = await startTestServer({
      env: { RUN_GRACE_MS: '300', SUBSCRIBER_STALL_MS: '300', SSE_RETRY_MS: '20' },
      configureModels: (m) =>
        m.register('test:slow', slow).register('test:fast', fast).register('test:hang', hang),
    });
  });
  afterAll(() => t.close());

  it('replays from every position of a finished run exactly', async () => {
    const full = await postChatStream(t.url, { message: 'go', model: 'test:fast' });
    const runId = String(full.events[0]?.data.run_id);
    const expected = strip(full.events);
    for (let k = 0; k <= expected.length; k++) {
      const { events } = await resume(t.url, runId, k);
      expect(strip(events)).toEqual(expected.slice(k));
    }
  });

  it('loses and repeats nothing across a cut after every event of a live run', async () => {
    let cut = false;
    const first = await postChatStream(
      t.url,
      { message: 'go', model: 'test:slow' },
      {
        onEvent: (_e, disconnect) => {
          if (!cut) {
            cut = true;
            disconnect();
          }
        },
      },
    );
    const runId = String(first.events[0]?.data.run_id);
    const received = [...first.events.slice(0, 1)];
    // Reconnect after every single event until the run ends.
    while (received.at(-1)?.event !== 'done') {
      const { events } = await resume(t.url, runId, received.at(-1)?.id ?? 0, 1);
      received.push(...events);
    }
    const { events: whole } = await resume(t.url, runId, 0);
    expect(strip(received)).toEqual(strip(whole));
    expect(received.map((e) => e.id)).toEqual(received.map((_, i) => i + 1));
    expect(whole.filter((e) => e.event === 'token')).toHaveLength(40);
  });

  it('works with a native EventSource client that reconnects by itself through cut connections', async () => {
    // A proxy that cuts every connection in the middle of an event (after 1,500 bytes of it): EventSource
    // must reconnect with Last-Event-ID on its own, again and again.
    const proxy = await startCuttingProxy(t.url, () => 1500);
    try {
      const full = await postChatStream(t.url, { message: 'How are events numbered?' });
      const runId = String(full.events[0]?.data.run_id);
      const source = new EventSource(`${proxy.url}/v1/runs/${runId}/events`);
      const got: { id: number; event: string; data: unknown }[] = [];
      await new Promise<void>((resolve) => {
        for (const type of ['start', 'progress', 'token', 'done']) {
          source.addEventListener(type, (e) => {
            got.push({ id: Number(e.lastEventId), event: type, data: JSON.parse(e.data) });
            if (type === 'done') resolve();
          });
        }
      });
      source.close();
      expect(proxy.connections).toBeGreaterThan(2);
      expect(got).toEqual(strip(full.events));
    } finally {
      await proxy.close();
    }
  });

  it('keeps a run going without subscribers for the grace period, then cancels it', async () => {
    let started = false;
    const first = await postChatStream(
      t.url,
      { message: 'wait', model: 'test:hang' },
      {
        onEvent: (e, disconnect) => {
          if (e.event === 'token' && !started) {
            started = true;
            disconnect();
          }
        },
      },
    );
    const runId = String(first.events[0]?.data.run_id);
    const running = await fetch(`${t.url}/v1/runs/${runId}`).then(readJson);
    expect(running).toMatchObject({
      status: 'running',
      conversation_id: first.events[0]?.data.conversation_id,
    });
    const conversation = await fetch(`${t.url}/v1/conversations/${running.conversation_id}`).then(readJson);
    expect(conversation.active_run).toEqual({ id: runId, message_id: running.message_id });

    await hang.aborted; // fires once the grace period passed with nobody subscribed
    await t.server.runs.whenSettled(runId as RunId);
    expect(await fetch(`${t.url}/v1/runs/${runId}`).then(readJson)).toMatchObject({ status: 'cancelled' });
    const after = await fetch(`${t.url}/v1/conversations/${running.conversation_id}`).then(readJson);
    expect(after.active_run).toBeNull();
    expect(after.messages[1]).toMatchObject({ status: 'cancelled', content: ' w0 w1 w2' });
  });

  it('POST /v1/runs/:id/cancel stops a run from another connection', async () => {
    const model = new ScriptedModel({ deltas: words(10), hangAfter: 2 });
    const s = await startTestServer({ configureModels: (m) => m.register('test:h2', model) });
    try {
      let started!: (runId: string) => void;
      const runIdKnown = new Promise<string>((resolve) => {
        started = resolve;
      });
      const stream = postChatStream(
        s.url,
        { message: 'x', model: 'test:h2' },
        {
          onEvent: (e) => e.event === 'start' && started(String(e.data.run_id)),
        },
      );
      const runId = await runIdKnown;
      const cancel = await fetch(`${s.url}/v1/runs/${runId}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(202);
      const { events } = await stream;
      expect(events.at(-1)?.data).toMatchObject({ type: 'done', finish_reason: 'cancelled' });
      await s.server.runs.whenSettled(runId as RunId);
      expect(await fetch(`${s.url}/v1/runs/${runId}`).then(readJson)).toMatchObject({ status: 'cancelled' });
      expect(await fetch(`${s.url}/v1/runs/nope/cancel`, { method: 'POST' }).then((r) => r.status)).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('a paused subscriber does not slow a reading one, and is let go with the position it reached', async () => {
    // 10 000 events of 2 KB: far more than the loopback socket buffers hold (a few MB).
    const big = new ScriptedModel({
      deltas: Array.from({ length: 10_000 }, (_, i) => ` ${i}${'x'.repeat(2000)}`),
    });
    const s = await startTestServer({
      // Long enough that the reading subscriber, on a busy machine, is never taken for a stalled one.
      env: { SUBSCRIBER_STALL_MS: '5000' },
      configureModels: (m) => m.register('test:big', big),
    });
    try {
      const first = await postChatStream(
        s.url,
        { message: 'big', model: 'test:big' },
        {
          onEvent: (e, disconnect) => e.event === 'start' && disconnect(),
        },
      );
      const runId = String(first.events[0]?.data.run_id);
      // The paused subscriber: a raw connection that sends its request and then reads nothing.
      const paused = net.connect(Number(new URL(s.url).port), '127.0.0.1');
      paused.pause();
      paused.write(`GET /v1/runs/${runId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      const reader = await resume(s.url, runId, 0);
      expect(reader.events.at(-1)?.event).toBe('done');
      expect(reader.events).toHaveLength(10_006);
      // The server lets the stalled subscriber go (its socket stayed full past SUBSCRIBER_STALL_MS)…
      if (s.server.presence.count(runId) > 0) {
        await new Promise<void>((resolve) => {
          const onChange = (id: string, count: number) => {
            if (id === runId && count === 0) {
              s.server.presence.off('subscribers', onChange);
              resolve();
            }
          };
          s.server.presence.on('subscribers', onChange);
        });
      }
      // …having written it only what its socket could hold: the rest never piled up in the server.
      let text = '';
      paused.setEncoding('utf8');
      paused.on('data', (chunk: string) => {
        text += chunk;
      });
      paused.resume(); // explicitly paused streams do not resume by themselves
      await new Promise((resolve) => paused.on('close', resolve));
      const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(text).not.toContain('event: done');
      expect(ids.length).toBeLessThan(10_006);
      // It resumes from the position it reached and still gets everything, once.
      const reached = ids.at(-1) ?? 0;
      const rest = await resume(s.url, runId, reached);
      expect(strip(rest.events)).toEqual(strip(reader.events).slice(reached));
    } finally {
      await s.close();
    }
  });

  it('answers 410 once a finished run’s events are gone, 404 for an unknown run', async () => {
    const full = await postChatStream(t.url, { message: 'go', model: 'test:fast' });
    const runId = String(full.events[0]?.data.run_id);
    // A new instance on the same database does not have this instance's in-process log.
    const other = await startTestServer({ shareDatabaseWith: t });
    try {
      const gone = await fetch(`${other.url}/v1/runs/${runId}/events`);
      expect(gone.status).toBe(410);
      expect(await readJson(gone)).toMatchObject({ code: 'run_expired' });
      expect(await fetch(`${other.url}/v1/runs/${runId}`).then(readJson)).toMatchObject({
        status: 'done',
        last_event_id: full.events.length,
      });
      expect((await fetch(`${other.url}/v1/runs/run_unknown/events`)).status).toBe(404);
    } finally {
      await other.server.app.close();
    }
  });
});
