import type { FastifyReply } from 'fastify';
import type { RunLog } from '../../runs/index.js';
import type { RunEvent } from '../../protocol/index.js';
import type { Lifecycle } from '../lifecycle.js';
import { SSE_HEADERS } from '../sse-writer.js';
import { streamRun } from '../stream-run.js';
import { createUiMessageEncoder, type UiChunk } from './ui-message-encoder.js';

/** Headers of a UI message stream: those of every event stream, plus the protocol version the client checks. */
export const UI_MESSAGE_STREAM_HEADERS = { ...SSE_HEADERS, 'x-vercel-ai-ui-message-stream': 'v1' } as const;

/** One chunk in the UI message stream's SSE framing: a single `data:` line of JSON, no `id:` or `event:`. */
export function formatUiChunk(chunk: UiChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** The stream's last line, after the terminal chunk. */
export const UI_STREAM_DONE = 'data: [DONE]\n\n';

export interface StreamUiRunOptions {
  keepAliveMs: number;
  stallMs: number;
  /** Called when the subscriber ends, whatever the reason (the run's subscriber count drops). */
  onClose: () => void;
  /** At the server's shutdown the stream ends at once; `resume` rejoins the run from its first event. */
  lifecycle: Lifecycle;
  runId: string;
}

/**
 * Makes the response a subscriber of a run's log in the AI SDK's UI message stream format: replays from the
 * run's first event (a UI message is rebuilt from its `start`), follows live, and ends with `[DONE]` after
 * the terminal chunk. A client that disconnects only ends its subscription.
 */
export function streamUiRun(reply: FastifyReply, log: RunLog, o: StreamUiRunOptions): Promise<void> {
  const encode = createUiMessageEncoder();
  return streamRun(reply, log, {
    ...o,
    after: 0,
    headers: { 'x-vercel-ai-ui-message-stream': 'v1' },
    // The log holds the events this server appended, already validated: parsing again would only cost.
    format: (logged) =>
      encode(JSON.parse(logged.data) as RunEvent)
        .map(formatUiChunk)
        .join(''),
    trailer: UI_STREAM_DONE,
    // The protocol has no way to say "reconnect": the stream just ends, and the client's `resume` finds
    // the run again.
    shutdownMessage: null,
  });
}
