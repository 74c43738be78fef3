import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../protocol/index.js';
import type { RunLog } from '../../runs/index.js';
import type { Lifecycle } from '../lifecycle.js';
import { streamRun } from '../stream-run.js';
import type { OpenaiChunkEncoder } from './openai-chunk-encoder.js';

export interface OpenaiStreamOptions {
  encoder: OpenaiChunkEncoder;
  keepAliveMs: number;
  /** Longest wait for a full socket to drain before the client is let go. */
  stallMs: number;
  /** The server's shutdown: the stream ends at once with an error the client raises. */
  lifecycle: Lifecycle;
  /** Called when the stream ends, whatever the reason (the run's subscriber count drops). */
  onClose: () => void;
  runId: string;
}

/**
 * Makes the response an OpenAI chat completion stream of a run: reads the log from the start and follows it
 * live until the terminal event. A client that disconnects ends the subscription (and, by default on this
 * API, the run).
 */
export function streamOpenaiCompletion(
  reply: FastifyReply,
  log: RunLog,
  o: OpenaiStreamOptions,
): Promise<void> {
  return streamRun(reply, log, {
    after: 0,
    keepAliveMs: o.keepAliveMs,
    stallMs: o.stallMs,
    onClose: o.onClose,
    lifecycle: o.lifecycle,
    runId: o.runId,
    format: (logged) => o.encoder.encode(JSON.parse(logged.data) as RunEvent),
    // An OpenAI client cannot resume, so at shutdown it gets an error it raises.
    shutdownMessage: () =>
      o.encoder.error({
        message: 'The server is restarting; send the request again.',
        type: 'server_error',
        param: null,
        code: 'server_restarting',
      }),
  });
}
