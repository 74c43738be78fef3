import { reconnectMessage } from './lifecycle.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { z } from 'zod';
import type { ChatRequest, WsClientMessage, WsErrorMessage, WsPongMessage } from '../protocol/index.js';
import type { RunLog } from '../runs/index.js';
import type { AppContext } from './app-context.js';
import { formatWsEvent } from './format-ws-event.js';
import { problemFor } from './problem.js';
import { startChatRun } from './start-chat-run.js';

/** Runs one socket follows at once (started or resumed); a further `chat` or `resume` is refused. */
export const MAX_RUNS_PER_SOCKET = 10;
/** Above this many bytes queued for a socket, its readers wait before reading more of their run's log. */
const HIGH_WATER_BYTES = 1 << 20;
/** `ws` has no 'drain' event: a blocked reader looks again this often. */
const DRAIN_POLL_MS = 10;

type Chat = Extract<WsClientMessage, { type: 'chat' }>;
type Resume = Extract<WsClientMessage, { type: 'resume' }>;
type Cancel = Extract<WsClientMessage, { type: 'cancel' }>;

export interface WsConnectionOptions {
  /** Validates client messages (`createWsClientMessageSchema`). */
  schema: z.ZodType<WsClientMessage>;
  /** Server pings this often; a socket that has not answered the previous one is terminated. */
  heartbeatMs: number;
  /** Longest a reader waits for a full socket to drain before the socket is let go. */
  stallMs: number;
}

/**
 * One WebSocket carrying any number of runs: starts, resumes and cancels them on request and writes each
 * run's events, tagged with its `run_id`, as they come. Closing the socket only ends its subscriptions.
 */
export function serveWsConnection(
  ctx: AppContext,
  socket: WebSocket,
  request: FastifyRequest,
  o: WsConnectionOptions,
): void {
  const log = request.log;
  const closed = new AbortController();
  /** Runs this socket reads or is looking up; `starting` counts chats not started yet. */
  const following = new Set<string>();
  /** The last event id sent per run: where the client resumes after a shutdown. */
  const positions = new Map<string, number>();
  let starting = 0;

  // At shutdown: tell the client, run by run, where to resume (elsewhere or later), then close.
  const onShutdown = () => {
    for (const runId of following) send(JSON.stringify(reconnectMessage(runId, positions.get(runId) ?? 0)));
    socket.close(1012, 'server restarting');
  };
  if (ctx.lifecycle.shuttingDown) setImmediate(onShutdown);
  else ctx.lifecycle.once('shutdown', onShutdown);
  let alive = true;

  const heartbeat = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, o.heartbeatMs);
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('close', () => {
    ctx.lifecycle.off('shutdown', onShutdown);
    clearInterval(heartbeat);
    closed.abort();
  });
  socket.on('message', (raw) => {
    handle(raw).catch((error: unknown) => {
      log.error({ err: error }, 'websocket message failed');
      sendError('internal_error', 'Something went wrong on our side. Please try again.');
    });
  });

  function send(frame: string): void {
    // Frames for a socket that is closing are dropped on purpose: its readers are ending.
    if (socket.readyState === socket.OPEN) socket.send(frame);
  }
  function sendError(code: string, message: string, requestId?: string): void {
    const error: WsErrorMessage = { type: 'error', code, message, ...withRequestId(requestId) };
    send(JSON.stringify(error));
  }

  async function handle(raw: RawData): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      return sendError('malformed_json', 'The message is not valid JSON.');
    }
    const requestId = requestIdOf(json);
    const parsed = o.schema.safeParse(json);
    if (!parsed.success) return sendError(...describeInvalid(parsed.error), requestId);
    const message = parsed.data;
    switch (message.type) {
      case 'ping': {
        const pong: WsPongMessage = { type: 'pong', ...withRequestId(requestId) };
        return send(JSON.stringify(pong));
      }
      case 'chat':
        return chat(message);
      case 'resume':
        return resume(message);
      case 'cancel':
        return cancel(message);
    }
  }

  async function chat(message: Chat): Promise<void> {
    const requestId = message.request_id;
    if (full()) return tooManyRuns(requestId);
    starting++;
    let run;
    try {
      ({ run } = await startChatRun(ctx, chatRequestOf(message), log, request.userId));
    } catch (error) {
      const p = problemFor(error instanceof Error ? error : new Error(String(error)), request);
      if (p.status >= 500) log.error({ err: error }, 'chat over websocket failed to start');
      return sendError(p.code, p.detail, requestId);
    } finally {
      starting--;
    }
    following.add(run.id);
    await follow(run.id, run.log, 0, requestId);
  }

  async function resume(message: Resume): Promise<void> {
    const { run_id: runId, request_id: requestId } = message;
    if (following.has(runId))
      return sendError('already_following', `This socket already follows run "${runId}".`, requestId);
    if (full()) return tooManyRuns(requestId);
    // Taken before the lookup, so a second resume of the same run meanwhile is refused too.
    following.add(runId);
    let runLog: RunLog | undefined;
    try {
      // Only the user's own runs: another user's is as unknown as a wrong id.
      if (await ctx.runStore.get(request.userId, runId)) runLog = await ctx.runs.openLog(runId);
    } finally {
      if (!runLog) following.delete(runId);
    }
    if (!runLog) return runNotFound(runId, requestId);
    await follow(runId, runLog, message.after, requestId);
  }

  async function cancel(message: Cancel): Promise<void> {
    const { run_id: runId, request_id: requestId } = message;
    const run = await ctx.runStore.get(request.userId, runId);
    if (!run || !(await ctx.runs.openLog(runId))) return runNotFound(runId, requestId);
    // Whoever follows the run (this socket or another) sees it end with `done`, finish_reason `cancelled`.
    await ctx.runs.cancel(runId);
  }

  function full(): boolean {
    return following.size + starting >= MAX_RUNS_PER_SOCKET;
  }

  /**
   * Writes a run's events after `after` until its terminal event or the socket closes. The run is in
   * `following` already; it leaves it when this ends.
   */
  async function follow(runId: string, runLog: RunLog, after: number, requestId?: string): Promise<void> {
    // Subscribed even when the socket closed meanwhile: releasing at once lets the run's policy apply.
    const release = ctx.runs.subscribe(runId);
    let echo = requestId;
    try {
      for await (const batch of runLog.read(after, closed.signal)) {
        for (const event of batch) {
          send(formatWsEvent(event, runId, echo));
          echo = undefined;
        }
        positions.set(runId, batch.at(-1)?.id ?? after);
        if (!(await drained(socket, closed.signal, o.stallMs))) {
          // Like a stalled SSE client: let go; it resumes on a new socket from the last id it received.
          log.warn({ runId }, 'websocket too slow to keep up; terminated');
          socket.terminate();
          return;
        }
      }
    } finally {
      release();
      following.delete(runId);
    }
  }

  function tooManyRuns(requestId: string | undefined): void {
    sendError(
      'too_many_runs',
      `A socket follows at most ${MAX_RUNS_PER_SOCKET} runs at once; wait for one to end or cancel one.`,
      requestId,
    );
  }
  function runNotFound(runId: string, requestId: string | undefined): void {
    sendError('run_not_found', `No run with id "${runId}", or its events are no longer kept.`, requestId);
  }
}

/** True once the socket's queue is below the high-water mark (or it closed); false after `stallMs`. */
async function drained(socket: WebSocket, signal: AbortSignal, stallMs: number): Promise<boolean> {
  const deadline = Date.now() + stallMs;
  while (socket.bufferedAmount > HIGH_WATER_BYTES && !signal.aborted) {
    if (Date.now() >= deadline) return false;
    await sleep(DRAIN_POLL_MS, undefined, { signal }).catch(() => {});
  }
  return true;
}

/** The body of `POST /v1/chat` a `chat` message carries. */
function chatRequestOf({ type: _type, request_id: _requestId, ...body }: Chat): ChatRequest {
  return body;
}

/** The client's `request_id`, read before validation so that an error about the message can echo it. */
function requestIdOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('request_id' in json)) return undefined;
  const id = json.request_id;
  return typeof id === 'string' && id.length <= 100 ? id : undefined;
}

function withRequestId(requestId: string | undefined): { request_id?: string } {
  return requestId === undefined ? {} : { request_id: requestId };
}

/** The error code and message for a message that failed validation, with the same codes as HTTP. */
function describeInvalid(error: z.ZodError): [code: string, message: string] {
  const issues = error.issues;
  if (issues.some((i) => i.code === 'invalid_union' && i.path.join('.') === 'type'))
    return ['unknown_message_type', 'Unknown message type; send "chat", "cancel", "resume" or "ping".'];
  const text = issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  const tooLong = issues.some((i) => i.code === 'too_big' && i.path.join('.') === 'message');
  return [tooLong ? 'message_too_long' : 'invalid_request', text];
}
