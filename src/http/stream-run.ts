import type { FastifyReply } from 'fastify';
import type { LoggedEvent, RunLog } from '../runs/index.js';
import { type Lifecycle, reconnectMessage } from './lifecycle.js';
import { SSE_HEADERS, writeSse } from './sse-writer.js';

export interface StreamRunOptions {
  /** Replay after this event id (0: from the start). */
  after: number;
  keepAliveMs: number;
  stallMs: number;
  /** Sent once as `retry:` so EventSource clients reconnect after this many ms. */
  retryMs?: number;
  /** Called when the subscriber ends, whatever the reason (the run's subscriber count drops). */
  onClose: () => void;
  /** The server's shutdown: the stream then tells the client where to resume, and ends. */
  lifecycle: Lifecycle;
  runId: string;
  /** The wire text of one event; native SSE framing by default (compat encoders bring their own). */
  format?: (event: LoggedEvent) => string;
  /** Headers beyond the event-stream ones (a protocol's version header…). */
  headers?: Record<string, string>;
  /** The frame that keeps an idle stream open (`: ping` by default), every `keepAliveMs` without a write. */
  heartbeat?: string;
  /** Written after the terminal event, e.g. `data: [DONE]`. */
  trailer?: string;
  /**
   * What a client is told at shutdown before the stream ends, given the last id it received; by default the
   * native `reconnect` event. `null`: the protocol has no such message and the stream just ends.
   */
  shutdownMessage?: ((lastId: number) => string) | null;
}

/** The native shutdown notice. No `id:` line: the client's Last-Event-ID stays on the last real event. */
function nativeReconnect(runId: string) {
  return (lastId: number) =>
    `retry: 1000\nevent: reconnect\ndata: ${JSON.stringify(reconnectMessage(runId, lastId))}\n\n`;
}

/**
 * Makes the response a subscriber of a run's log: replays after `after`, follows live, and ends after the
 * terminal event. A client that disconnects only ends its subscription. Every event-stream wire format
 * (native, AI SDK UI messages, OpenAI chunks, the earlier APIs) goes through here with its own `format`.
 */
export async function streamRun(reply: FastifyReply, log: RunLog, o: StreamRunOptions): Promise<void> {
  const gone = new AbortController();
  reply.raw.on('close', () => gone.abort());
  const stop = AbortSignal.any([gone.signal, o.lifecycle.signal]);
  const position = { lastId: o.after };
  const notice = o.shutdownMessage === undefined ? nativeReconnect(o.runId) : o.shutdownMessage;
  // At shutdown, at once (before the server closes connections): the notice, then the end.
  const onShutdown = () => {
    if (gone.signal.aborted || reply.raw.writableEnded) return;
    reply.raw.end(notice ? notice(position.lastId) : undefined);
  };
  // Headers set by hooks (request id, CORS, rate limits…) still apply; the body is ours from here on.
  const headers = { ...reply.getHeaders(), ...SSE_HEADERS, ...o.headers };
  reply.hijack();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.raw.writeHead(200);
  if (o.retryMs !== undefined) reply.raw.write(`retry: ${o.retryMs}\n\n`);
  reply.raw.flushHeaders();
  // Registered once the headers are out, so the notice is always written to a started response.
  if (o.lifecycle.shuttingDown) onShutdown();
  else o.lifecycle.once('shutdown', onShutdown);
  try {
    const result = await writeSse(reply.raw, log.read(o.after, stop), {
      keepAliveMs: o.keepAliveMs,
      stallMs: o.stallMs,
      signal: stop,
      position,
      format: o.format,
      heartbeat: o.heartbeat,
    });
    if (result === 'ended' && o.trailer && !reply.raw.writableEnded) reply.raw.write(o.trailer);
    // A subscriber too slow to keep up is let go; it resumes from the last id it received.
    if (result === 'stalled') reply.raw.destroy();
  } finally {
    o.lifecycle.off('shutdown', onShutdown);
    o.onClose();
    // After a disconnect the socket is gone; ending it again is a harmless no-op.
    reply.raw.end();
  }
}
