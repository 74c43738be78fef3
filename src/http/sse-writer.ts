import type { Writable } from 'node:stream';
import type { LoggedEvent } from '../runs/index.js';

/** Headers of every event stream: no caching or transformation, no proxy buffering. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** One event in SSE framing. `data` is single-line JSON, so one `data:` field carries it. */
export function formatSseEvent(event: LoggedEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`;
}

/** A comment line: ignored by parsers, keeps proxies from closing an idle connection. */
export const SSE_PING = ': ping\n\n';

export interface WriteSseOptions {
  /** @default 15000 */
  keepAliveMs: number;
  /** Aborts when the client has gone; the writer stops at once. */
  signal: AbortSignal;
  /** Longest wait for a full socket to drain before giving up on the client. @default 30000 */
  stallMs?: number;
  /** Updated with the id of every event written: where this subscriber would resume. */
  position?: { lastId: number };
  /**
   * The wire text of one event: native SSE framing by default; compat encoders (UI message stream, OpenAI
   * chunks, earlier APIs) pass their own and share this loop's backpressure, keep-alive and stall handling.
   */
  format?: (event: LoggedEvent) => string;
  /** What keeps an idle stream open: the `: ping` comment by default, an earlier API's heartbeat frame… */
  heartbeat?: string;
}

/**
 * Writes batches of run events to `res` until the source ends or the client goes. Respects backpressure:
 * when the socket buffer is full it waits for `drain` before reading more, so a slow client never makes
 * the server buffer more than one batch beyond the socket's high-water mark.
 */
export async function writeSse(
  res: Writable,
  source: AsyncIterable<LoggedEvent[]>,
  options: WriteSseOptions,
): Promise<'ended' | 'gone' | 'stalled'> {
  const { signal } = options;
  let blocked = false;
  const heartbeat = options.heartbeat ?? SSE_PING;
  // Sent after every `keepAliveMs` in which nothing was written: each write starts the count again.
  const ping = setInterval(() => {
    // A blocked socket is not idle; a ping would only add to its buffer.
    if (!blocked && !res.writableEnded && !signal.aborted) res.write(heartbeat);
  }, options.keepAliveMs);
  try {
    for await (const batch of source) {
      if (signal.aborted) return 'gone';
      let chunk = '';
      const format = options.format ?? formatSseEvent;
      for (const event of batch) chunk += format(event);
      if (options.position) options.position.lastId = batch.at(-1)?.id ?? options.position.lastId;
      // Events a format has nothing to say about are not writes: the idle clock keeps running.
      if (chunk === '') continue;
      ping.refresh();
      if (!res.write(chunk)) {
        blocked = true;
        if (!(await drained(res, signal, options.stallMs ?? 30_000))) return 'stalled';
        blocked = false;
      }
    }
    return signal.aborted ? 'gone' : 'ended';
  } finally {
    clearInterval(ping);
  }
}

/** True once the socket drains (or the client goes); false when it stays full for `stallMs`. */
export function drained(res: Writable, signal: AbortSignal, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      signal.removeEventListener('abort', onDrain);
      resolve(ok);
    };
    const onDrain = () => finish(true);
    const timer = setTimeout(() => finish(false), stallMs);
    res.on('drain', onDrain);
    signal.addEventListener('abort', onDrain, { once: true });
  });
}
