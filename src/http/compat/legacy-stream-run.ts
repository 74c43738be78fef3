import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../protocol/index.js';
import type { Run, RunLog } from '../../runs/index.js';
import type { AppContext } from '../app-context.js';
import type { Lifecycle } from '../lifecycle.js';
import { SSE_PING } from '../sse-writer.js';
import { streamRun } from '../stream-run.js';
import type { LegacyEncoder } from './legacy-encoder.js';

export interface StreamLegacyRunOptions {
  encoder: LegacyEncoder;
  /** Written whenever nothing else was written for `heartbeatMs`, so proxies keep an idle stream open. */
  heartbeat: string;
  heartbeatMs: number;
  /** A client whose socket stays full this long is let go. */
  stallMs: number;
  lifecycle: Lifecycle;
  /** Called when the subscriber ends, whatever the reason (the run's subscriber count drops). */
  onClose: () => void;
  runId: string;
}

/**
 * Makes the response a subscriber of a run's log in an earlier API's format: reads the run from its first
 * event, writes what the encoder makes of each, and ends after the terminal event. These clients cannot
 * resume, so at shutdown they get the encoder's `interrupted` frames instead of a reconnect message.
 */
export function streamLegacyRun(reply: FastifyReply, log: RunLog, o: StreamLegacyRunOptions): Promise<void> {
  return streamRun(reply, log, {
    after: 0,
    keepAliveMs: o.heartbeatMs,
    heartbeat: o.heartbeat,
    stallMs: o.stallMs,
    lifecycle: o.lifecycle,
    onClose: o.onClose,
    runId: o.runId,
    // The log holds the events this server appended, already validated: parsing again would only cost.
    format: (logged) => o.encoder.encode(JSON.parse(logged.data) as RunEvent),
    shutdownMessage: () => o.encoder.interrupted(),
  });
}

/** How often an idle stream of an earlier API is kept alive, and with what. */
export interface LegacyHeartbeat {
  frame: string;
  ms: number;
}

/**
 * Follows a started run in an earlier API's format: the response becomes the run's subscriber until the
 * run ends or the client goes. By default an idle stream gets a `: ping` comment every `SSE_KEEPALIVE_MS`,
 * which these clients' `data:`-line parsers skip.
 */
export function streamLegacyChat(
  ctx: AppContext,
  reply: FastifyReply,
  run: Run,
  encoder: LegacyEncoder,
  heartbeat: LegacyHeartbeat = { frame: SSE_PING, ms: ctx.config.sseKeepAliveMs },
): Promise<void> {
  return streamLegacyRun(reply, run.log, {
    encoder,
    heartbeat: heartbeat.frame,
    heartbeatMs: heartbeat.ms,
    stallMs: ctx.config.subscriberStallMs,
    lifecycle: ctx.lifecycle,
    onClose: ctx.runs.subscribe(run.id),
    runId: run.id,
  });
}
