import type { FastifyReply } from 'fastify';
import { sseFrames } from '../../formats/index.js';
import { type FrameChannel, untilEvent } from './frame-channel.js';

/** Headers of every event stream: no caching or transformation, no proxy buffering. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * Turns a reply into an event stream: the headers set so far by hooks (request id, CORS, rate limits…) plus
 * the event-stream ones and the format's, then frames in SSE framing. Backpressure is the socket's own:
 * `write` says when its buffer is full, `drain` when it emptied.
 */
export function openSseChannel(
  reply: FastifyReply,
  headers: Readonly<Record<string, string>> = {},
): FrameChannel {
  const res = reply.raw;
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  const all = { ...reply.getHeaders(), ...SSE_HEADERS, ...headers };
  // The body is ours from here on.
  reply.hijack();
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined) res.setHeader(name, value);
  }
  res.writeHead(200);
  res.flushHeaders();
  return {
    gone: gone.signal,
    send(frames) {
      // After a disconnect the socket is gone; what would have been written is dropped on purpose.
      if (res.writableEnded || res.destroyed || frames.length === 0) return true;
      return res.write(sseFrames(frames));
    },
    writable(signal) {
      if (!res.writableNeedDrain) return Promise.resolve();
      return untilEvent(res, ['drain'], [signal, gone.signal]);
    },
    end() {
      // Ending a response whose client left is a harmless no-op.
      res.end();
    },
    destroy() {
      res.destroy();
    },
  };
}
