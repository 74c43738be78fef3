import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../protocol/index.js';
import { TEST_START } from '../protocol/test-events.js';
import { type OpenRunConnection, RunStream } from './run-stream.js';

const start: RunEvent = { ...TEST_START, language: null };
const done: RunEvent = {
  type: 'done',
  finish_reason: 'stop',
  message_id: 'msg_a',
  conversation_id: 'conv_1',
  usage: { input_tokens: 1, output_tokens: 3, cost_usd: null },
  metrics: { ttft_ms: 1, duration_ms: 2, tokens_per_s: 3 },
};
const token = (delta: string): RunEvent => ({ type: 'token', delta });

/** An SSE response body: `[id, event]` pairs framed as the server frames them, plus any raw frames. */
function sse(frames: ([number, RunEvent] | string)[], status = 200): Response {
  const text = frames
    .map((f) =>
      typeof f === 'string' ? f : `id: ${f[0]}\nevent: ${f[1].type}\ndata: ${JSON.stringify(f[1])}\n\n`,
    )
    .join('');
  return new Response(text, { status, headers: { 'content-type': 'text/event-stream' } });
}

/** Answers each connection with the next scripted response, recording where each one asked to start. */
function scripted(responses: (() => Response)[]) {
  const asked: { runId: string | null; after: number }[] = [];
  const open: OpenRunConnection = async ({ runId, after }) => {
    asked.push({ runId, after });
    const next = responses.shift();
    if (!next) throw new Error('no more connections scripted');
    return next();
  };
  return { open, asked };
}

const noCancel = async () => {};
const fast = { initialDelayMs: 1, maxDelayMs: 2 };

describe('RunStream', () => {
  it('reconnects at once on the server’s reconnect notice, after the last id, and applies nothing twice', async () => {
    const { open, asked } = scripted([
      () =>
        sse([[1, start], [2, token('Hel')], 'retry: 1000\nevent: reconnect\ndata: {"type":"reconnect"}\n\n']),
      () =>
        sse([
          [2, token('Hel')],
          [3, token('lo')],
          [4, done],
        ]),
    ]);
    const stream = new RunStream(open, noCancel, { reconnect: fast });
    const state = await stream.done;
    expect(asked).toEqual([
      { runId: null, after: 0 },
      { runId: 'run_1', after: 2 },
    ]);
    expect(state.text).toBe('Hello');
    expect(state.status).toBe('done');
    expect(stream.lastEventId).toBe(4);
  });

  it('retries a reconnection answered 503, and gives up on one answered 404 with its problem', async () => {
    const problem = (status: number, code: string) => () =>
      new Response(
        JSON.stringify({ type: `urn:x:${code}`, title: code, status, detail: `It is ${code}`, code }),
        {
          status,
          headers: { 'content-type': 'application/problem+json' },
        },
      );
    const retried = scripted([
      () => sse([[1, start]]),
      problem(503, 'shutting_down'),
      () =>
        sse([
          [2, token('ok')],
          [3, done],
        ]),
    ]);
    await expect(new RunStream(retried.open, noCancel, { reconnect: fast }).done).resolves.toMatchObject({
      text: 'ok',
      status: 'done',
    });

    const gone = scripted([() => sse([[1, start]]), problem(404, 'run_not_found')]);
    await expect(new RunStream(gone.open, noCancel, { reconnect: fast }).done).rejects.toMatchObject({
      status: 404,
      code: 'run_not_found',
      message: 'It is run_not_found',
    });
  });

  it('learns the run id from the X-Run-Id header when the stream is cut before its first event', async () => {
    const { open, asked } = scripted([
      () => new Response('', { headers: { 'x-run-id': 'run_9' } }),
      () =>
        sse([
          [1, { ...start, run_id: 'run_9' }],
          [2, done],
        ]),
    ]);
    const stream = new RunStream(open, noCancel, { reconnect: fast });
    await stream.done;
    expect(asked[1]).toEqual({ runId: 'run_9', after: 0 });
    expect(stream.runId).toBe('run_9');
  });

  it('fails the first request without retrying when it was refused (nothing says a run exists)', async () => {
    const { open, asked } = scripted([
      () => new Response('{"code":"invalid_request","detail":"message must not be empty"}', { status: 400 }),
    ]);
    await expect(new RunStream(open, noCancel, { reconnect: fast }).done).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    expect(asked).toHaveLength(1);
  });

  it('opens nothing for a signal that is already aborted, and ends as closed', async () => {
    const { open, asked } = scripted([
      () =>
        sse([
          [1, start],
          [2, done],
        ]),
    ]);
    const stream = new RunStream(open, noCancel, { signal: AbortSignal.abort() });
    await expect(stream.done).rejects.toMatchObject({ name: 'AbortError' });
    expect(asked).toEqual([]);
  });

  it('cancel() waits for the run id, then asks the server to cancel that run', async () => {
    let respond: (r: Response) => void = () => {};
    const cancelled: string[] = [];
    const stream = new RunStream(
      () => new Promise<Response>((resolve) => (respond = resolve)),
      async (id) => void cancelled.push(id),
      { reconnect: fast },
    );
    const cancelling = stream.cancel();
    respond(
      sse([
        [1, start],
        [2, { ...done, finish_reason: 'cancelled' }],
      ]),
    );
    await cancelling;
    expect(cancelled).toEqual(['run_1']);
    await expect(stream.done).resolves.toMatchObject({ status: 'cancelled' });
  });
});
