import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../protocol/index.js';
import type { Run, RunLog } from '../../runs/index.js';
import type { AppContext } from '../app-context.js';
import type { Lifecycle } from '../lifecycle.js';
import { SSE_HEADERS, SSE_PING } from '../sse-writer.js';
import type { LegacyEncoder } from './legacy-encoder.js';
import { writeLegacyFrames } from './legacy-write-frames.js';

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
}

/**
 * Makes the response a subscriber of a run's log in an earlier API's format: reads the run from its first
 * event, writes what the encoder makes of each, and ends after the terminal event. These clients cannot
 * resume, so at shutdown they get the encoder's `interrupted` frames instead of a reconnect message.
 */
export async function streamLegacyRun(
  reply: FastifyReply,
  log: RunLog,
  o: StreamLegacyRunOptions,
): Promise<void> {
  const gone = new AbortController();
  reply.raw.on('close', () => gone.abort());
  const stop = AbortSignal.any([gone.signal, o.lifecycle.signal]);
  // At once, before the server closes connections.
  const onShutdown = () => {
    if (!gone.signal.aborted && !reply.raw.writableEnded) reply.raw.end(o.encoder.interrupted());
  };
  if (o.lifecycle.shuttingDown) onShutdown();
  else o.lifecycle.once('shutdown', onShutdown);
  // Headers set by hooks (request id, CORS, security…) still apply; the body is ours from here on.
  const headers = { ...reply.getHeaders(), ...SSE_HEADERS };
  reply.hijack();
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) reply.raw.setHeader(name, value);
  reply.raw.writeHead(200);
  reply.raw.flushHeaders();
  try {
    const frames = encodeLog(log, o.encoder, stop);
    const result = await writeLegacyFrames(reply.raw, frames, { ...o, signal: stop });
    if (result === 'stalled') reply.raw.destroy();
  } finally {
    o.lifecycle.off('shutdown', onShutdown);
    o.onClose();
    // After a disconnect or a shutdown the response is over already; ending it again is a harmless no-op.
    reply.raw.end();
  }
}

async function* encodeLog(log: RunLog, encoder: LegacyEncoder, signal: AbortSignal): AsyncIterable<string> {
  for await (const batch of log.read(0, signal)) {
    let text = '';
    // The log holds the events this server appended, already validated: parsing again would only cost.
    for (const logged of batch) text += encoder.encode(JSON.parse(logged.data) as RunEvent);
    yield text;
  }
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
  });
}
