import { newId } from '../src/protocol/ids.js';
/**
 * The floor: the least a `node:http` server can do to send what StreamForge sends for one run of the
 * `bench:fixed` model — the same headers, the same `id:`/`event:`/`data:` framing and the same event JSON
 * (ids are random, times are real) — with nothing behind it: no framework, no validation, no database, no run
 * log. Every event is one `write()`, and a `false` from it waits for `drain`. `?hold=1` stops after
 * HELD_AFTER tokens until the parent sends `release`. Started by stream-bench.ts.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { childArgs, delta, Gate, HELD_AFTER, serveParent } from './ipc.js';

if (!process.send) throw new Error('floor-server.ts is started by stream-bench.ts (it needs an IPC channel)');

const { tokens, backlog } = childArgs();
const gate = new Gate();

/** StreamForge's ids, so the bytes match in length. */
const id = (prefix: 'conv' | 'msg' | 'run') =>
  newId(prefix === 'conv' ? 'conversation' : prefix === 'msg' ? 'message' : 'run');

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat')) {
    res.writeHead(404).end();
    return;
  }
  const hold = req.url.endsWith('?hold=1');
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const { model } = JSON.parse(body) as { model: string };
    void stream(res, model, hold);
  });
});
// Fastify's default, so idle keep-alive connections between rounds live as long in both servers.
server.keepAliveTimeout = 72_000;

async function stream(res: http.ServerResponse, model: string, hold: boolean): Promise<void> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  let gone = false;
  res.on('close', () => (gone = true));
  // The headers StreamForge sends, in its order (Node adds Date and Transfer-Encoding in both).
  res.setHeader('x-request-id', randomUUID());
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('connection', 'keep-alive');
  res.setHeader('x-accel-buffering', 'no');
  res.writeHead(200);
  res.flushHeaders();

  let seq = 0;
  /** Writes one event: true when the socket took it, false when the caller must wait for `drained()`. */
  const write = (event: { type: string; [field: string]: unknown }): boolean =>
    res.write(`id: ${++seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  const send = async (event: { type: string; [field: string]: unknown }) => {
    if (!write(event)) await drained();
  };
  const progress = (step: string, status: string, label: string) =>
    send({ type: 'progress', step, status, label, elapsed_ms: elapsed() });

  const conversationId = id('conv');
  const messageId = id('msg');
  await send({
    type: 'start',
    run_id: id('run'),
    conversation_id: conversationId,
    user_message_id: id('msg'),
    assistant_message_id: messageId,
    model,
    language: null,
  });
  await progress('history', 'started', 'Loading conversation history');
  await progress('history', 'completed', 'Using 0 earlier messages');
  await progress('generate', 'started', 'Generating answer');
  let firstTokenAt = 0;
  for (let i = 0; i < tokens && !gone; i++) {
    if (hold && i === HELD_AFTER) await gate.promise;
    if (i === 0) firstTokenAt = performance.now();
    if (!write({ type: 'token', delta: delta(i) })) await drained();
  }
  if (gone) return;
  await progress('generate', 'completed', 'Answer complete');
  const end = performance.now();
  const streamingMs = end - firstTokenAt;
  await send({
    type: 'done',
    finish_reason: 'stop',
    message_id: messageId,
    conversation_id: conversationId,
    usage: { input_tokens: 1, output_tokens: tokens, cost_usd: null },
    metrics: {
      ttft_ms: Math.round(firstTokenAt - startedAt),
      duration_ms: Math.round(end - startedAt),
      tokens_per_s: streamingMs > 0 ? Math.round((tokens * 100_000) / streamingMs) / 100 : 0,
    },
  });
  res.end();
}

server.listen({ port: 0, host: '127.0.0.1', backlog }, () => {
  const { port } = server.address() as AddressInfo;
  serveParent(port, gate, async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
