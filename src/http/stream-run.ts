import type { FastifyReply } from 'fastify';
import type { RunLog } from '../runs/index.js';
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
}

/**
 * Makes the response a subscriber of a run's log: replays after `after`, follows live, and ends after the
 * terminal event. A client that disconnects only ends its subscription.
 */
export async function streamRun(reply: FastifyReply, log: RunLog, o: StreamRunOptions): Promise<void> {
  const gone = new AbortController();
  reply.raw.on('close', () => gone.abort());
  // Headers set by hooks (request id, CORS…) still apply; the body is ours from here on.
  const headers = { ...reply.getHeaders(), ...SSE_HEADERS };
  reply.hijack();
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) reply.raw.setHeader(name, value);
  reply.raw.writeHead(200);
  if (o.retryMs !== undefined) reply.raw.write(`retry: ${o.retryMs}\n\n`);
  reply.raw.flushHeaders();
  try {
    const result = await writeSse(reply.raw, log.read(o.after, gone.signal), {
      keepAliveMs: o.keepAliveMs,
      stallMs: o.stallMs,
      signal: gone.signal,
    });
    // A subscriber too slow to keep up is let go; it resumes from the last id it received.
    if (result === 'stalled') reply.raw.destroy();
  } finally {
    o.onClose();
    // After a disconnect the socket is gone; ending it again is a harmless no-op.
    reply.raw.end();
  }
}
