/**
 * The floor: the least a `node:http` server can do to send what StreamForge sends for one run of a bench model —
 * the same headers, the same `id:`/`event:`/`data:` framing and the same event JSON (ids are random, times are
 * real) — with nothing behind it: no framework, no validation, no database, no run log. Every event is one
 * `write()` (the first carries the headers), and a `false` from it waits for `drain`. Started by
 * stream-bench.ts.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '../src/protocol/ids.js';
import { benchModel, childBacklog, delta, PACED_MS, serveParent } from './ipc.js';

if (!process.send) throw new Error('floor-server.ts is started by stream-bench.ts (it needs an IPC channel)');

let open = 0;
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/chat') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const { model } = JSON.parse(body) as { model: string };
    const bench = benchModel(model);
    if (!bench) {
      res.writeHead(400).end();
      return;
    }
    open++;
    void stream(res, model, bench.tokens, bench.paced).finally(() => open--);
  });
});
// Fastify's default, so idle keep-alive connections between rounds live as long in both servers.
server.keepAliveTimeout = 72_000;

async function stream(
  res: http.ServerResponse,
  model: string,
  tokens: number,
  paced: boolean,
): Promise<void> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  const runId = newId('run');
  // The headers StreamForge sends on an event stream, in its order (Node adds Date, Connection, Keep-Alive and
  // Transfer-Encoding in both); they go out with the first event.
  res.setHeader('x-request-id', randomUUID());
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no');
  res.setHeader('x-run-id', runId);
  res.writeHead(200);

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

  const conversationId = newId('conversation');
  const messageId = newId('message');
  await send({
    type: 'start',
    run_id: runId,
    conversation_id: conversationId,
    user_message_id: newId('message'),
    assistant_message_id: messageId,
    model,
    language: null,
  });
  await progress('history', 'started', 'Loading conversation history');
  await progress('history', 'completed', 'Using 0 earlier messages');
  await progress('generate', 'started', 'Generating answer');
  let firstTokenAt = 0;
  for (let i = 0; i < tokens && !gone.signal.aborted; i++) {
    if (paced) await sleep(PACED_MS, undefined, { signal: gone.signal }).catch(() => undefined);
    if (gone.signal.aborted) break;
    if (i === 0) firstTokenAt = performance.now();
    if (!write({ type: 'token', delta: delta(i) })) await drained();
  }
  if (gone.signal.aborted) return;
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

server.listen({ port: 0, host: '127.0.0.1', backlog: childBacklog() }, () => {
  const { port } = server.address() as AddressInfo;
  serveParent(
    port,
    () => open,
    async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  );
});
