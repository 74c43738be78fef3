import { nulPathOf, nulRefusal } from '../guards/refuse-nul.js';
import { setMaxListeners } from 'node:events';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { z } from 'zod';
import { DomainError, InvalidInputError } from '../../domain-error.js';
import { nativeWsFormat } from '../../formats/index.js';
import type { Lifecycle } from '../../lifecycle.js';
import type { ChatRequest, WsClientMessage, WsErrorMessage, WsPongMessage } from '../../protocol/index.js';
import {
  openRun,
  RunExpiredError,
  type RunFollower,
  RunNotFoundError,
  type RunLog,
  type RunRegistry,
} from '../../runs/index.js';
import type { RunStore } from '../../store/index.js';
import type { TurnStarter } from '../../turns/index.js';
import { framedSink } from '../delivery/framed-sink.js';
import { problemFor } from '../problem.js';
import { wsChannel } from './ws-channel.js';

/** Runs one socket follows at once (started or resumed); a further `chat` or `resume` is refused. */
export const MAX_RUNS_PER_SOCKET = 10;

type Chat = Extract<WsClientMessage, { type: 'chat' }>;
type Resume = Extract<WsClientMessage, { type: 'resume' }>;
type Cancel = Extract<WsClientMessage, { type: 'cancel' }>;

export interface WsConnectionOptions {
  turns: TurnStarter;
  runs: RunRegistry;
  runStore: RunStore;
  follow: RunFollower;
  lifecycle: Lifecycle;
  /** Validates client messages (`createWsClientMessageSchema`). */
  schema: z.ZodType<WsClientMessage>;
  /** Server pings this often; a socket that has not answered the previous one is terminated. */
  heartbeatMs: number;
}

/**
 * One WebSocket carrying any number of runs: starts, resumes and cancels them on request and follows each
 * for the client, its events tagged with their `run_id`. Closing the socket only ends its subscriptions; at
 * shutdown every run it follows tells the client where to resume, then the server closes the socket (1012).
 */
export function serveWsConnection(socket: WebSocket, request: FastifyRequest, o: WsConnectionOptions): void {
  const log = request.log;
  const userId = request.userId;
  const closed = new AbortController();
  // Each run the socket follows (up to MAX_RUNS_PER_SOCKET) listens for its close.
  setMaxListeners(0, closed.signal);
  /** Runs this socket reads or is looking up; `starting` counts chats not started yet. */
  const following = new Set<string>();
  let starting = 0;

  // A socket opened while the server shuts down is closed at once; the others close with the server.
  if (o.lifecycle.shuttingDown) socket.close(1012, 'server restarting');
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
    clearInterval(heartbeat);
    closed.abort();
  });
  socket.on('message', (raw) => {
    handle(raw).catch((error: unknown) => {
      log.error({ err: error }, 'websocket message failed');
      sendError('internal_error', 'Something went wrong on our side. Please try again.');
    });
  });

  function send(message: object): void {
    // Messages for a socket that is closing are dropped on purpose: its readers are ending.
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }
  function sendError(code: string, message: string, requestId?: string): void {
    const error: WsErrorMessage = { type: 'error', code, message, ...withRequestId(requestId) };
    send(error);
  }
  /** A refusal in this protocol's terms: an `error` message with the refusal's code; the socket stays open. */
  function refuse(error: unknown, requestId: string | undefined): void {
    const p = problemFor(error);
    if (p.status >= 500) log.error({ err: error }, 'websocket message failed');
    sendError(p.code, p.detail, requestId);
  }

  async function handle(raw: RawData): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      return sendError('malformed_json', 'The message is not valid JSON.');
    }
    const requestId = requestIdOf(json);
    const nulAt = nulPathOf(json, 'message');
    if (nulAt !== undefined) return refuse(nulRefusal(nulAt), requestId);
    const parsed = o.schema.safeParse(json);
    if (!parsed.success) return refuse(invalidMessage(parsed.error), requestId);
    const message = parsed.data;
    switch (message.type) {
      case 'ping': {
        const pong: WsPongMessage = { type: 'pong', ...withRequestId(requestId) };
        return send(pong);
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
      const body = chatRequestOf(message);
      ({ run } = await o.turns.start({
        kind: 'message',
        userId,
        message: body.message,
        conversationId: body.conversation_id,
        options: body,
        log,
      }));
    } catch (error) {
      return refuse(error, requestId);
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
    let runLog: RunLog;
    try {
      ({ log: runLog } = await openRun(o.runs, o.runStore, userId, runId));
    } catch (error) {
      following.delete(runId);
      // This protocol says "not found" for a run whose events expired too.
      if (error instanceof RunExpiredError || error instanceof RunNotFoundError)
        return runNotFound(runId, requestId);
      return refuse(error, requestId);
    }
    await follow(runId, runLog, message.after, requestId);
  }

  async function cancel(message: Cancel): Promise<void> {
    const { run_id: runId, request_id: requestId } = message;
    const run = await o.runStore.get(userId, runId);
    if (!run || !(await o.runs.openLog(runId))) return runNotFound(runId, requestId);
    // Whoever follows the run (this socket or another) sees it end with `done`, finish_reason `cancelled`.
    await o.runs.cancel(runId);
  }

  function full(): boolean {
    return following.size + starting >= MAX_RUNS_PER_SOCKET;
  }

  /** Follows a run for this socket until its end; the run is in `following` already and leaves it here. */
  async function follow(runId: string, runLog: RunLog, after: number, requestId?: string): Promise<void> {
    try {
      // Followed even when the socket closed meanwhile: the subscription's release lets the run's policy apply.
      const sink = framedSink(
        wsChannel(socket, closed.signal),
        nativeWsFormat(runId, requestId),
        o.heartbeatMs,
      );
      const end = await o.follow({ id: runId, log: runLog, after }, sink);
      // Like a stalled SSE client: let go; it resumes on a new socket from the last id it received.
      if (end === 'stalled') log.warn({ runId }, 'websocket too slow to keep up; terminated');
    } finally {
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

/** What is wrong with a message that failed validation, with the same codes as HTTP. */
function invalidMessage(error: z.ZodError): DomainError {
  const issues = error.issues;
  if (issues.some((i) => i.code === 'invalid_union' && i.path.join('.') === 'type')) {
    return new DomainError(
      'invalid',
      'unknown_message_type',
      'Unknown message type; send "chat", "cancel", "resume" or "ping".',
    );
  }
  const tooLong = issues.some((i) => i.code === 'too_big' && i.path.join('.') === 'message');
  return new InvalidInputError(
    issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    tooLong,
  );
}
