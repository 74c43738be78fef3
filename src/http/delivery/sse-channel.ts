import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { sseFrames } from '../../formats/index.js';
import { type FrameChannel, untilEvent } from './frame-channel.js';

/**
 * The headers of every event stream: no caching or transformation, no proxy buffering. Node adds `Connection:
 * keep-alive`, `Date` and `Transfer-Encoding: chunked`.
 */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/**
 * Of the headers hooks set on a reply, the ones an event stream keeps: its request id, and what a browser needs
 * to let a page of another origin read it (CORS). Security headers for documents (CSP, HSTS…) and rate-limit
 * headers say nothing to an event stream's reader: they are left out, a kilobyte less per stream.
 */
function streamHeadersOf(reply: FastifyReply): Record<string, string | number | string[]> {
  const kept: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined) continue;
    if (name === 'x-request-id' || name === 'vary' || name.startsWith('access-control-')) kept[name] = value;
  }
  return kept;
}

/** Where Node keeps a response's headers set before `writeHead` (found on the first response). */
let outHeaders: symbol | null | undefined;

/**
 * Forgets the headers hooks set on `res`. Node keeps them in one object per response: removing them one by one
 * would turn it into a slow dictionary (0.7 KB per held stream); without it, `writeHead` takes the stream's
 * headers object as it is. Where that object cannot be found (another Node), the headers are removed.
 */
function dropHeaders(res: ServerResponse): void {
  outHeaders ??= Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders') ?? null;
  const slots = res as unknown as Record<symbol, unknown>;
  if (outHeaders && outHeaders in res) slots[outHeaders] = null;
  else for (const name of res.getHeaderNames()) res.removeHeader(name);
}

/**
 * Turns a reply into an event stream: a fixed, minimal set of headers, written with the first bytes (one write,
 * not two), then frames in SSE framing. Backpressure is the socket's own: `write` says when its buffer is full,
 * `drain` when it emptied.
 */
export function openSseChannel(
  reply: FastifyReply,
  headers: Readonly<Record<string, string>> = {},
): FrameChannel {
  const res = reply.raw;
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  const all = { ...streamHeadersOf(reply), ...SSE_HEADERS, ...headers };
  // The body is ours from here on. Hooks may have set headers on the raw response itself (helmet does): only
  // the stream's own set goes out.
  reply.hijack();
  dropHeaders(res);
  res.writeHead(200, all);
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
