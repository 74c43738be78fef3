import type { FastifyBaseLogger } from 'fastify';
import { Server } from 'socket.io';
import {
  type ChatRequest,
  type ConversationId,
  createChatStreamSchema,
  type LegacyClientEvents,
  type LegacyServerEvents,
} from '../protocol/index.js';
import { LegacySessionStore } from '../store/index.js';
import type { App, AppContext } from './app-context.js';
import { problemFor } from './problem.js';
import { startChatRun } from './start-chat-run.js';
import { writeLegacyChat } from './write-legacy-chat.js';

export const SOCKET_IO_PATH = '/socket.io';
/** `chat_stream`s a socket may have waiting behind the one being answered. */
const MAX_WAITING = 10;
// `problemFor` reads only the url, as the problem's `instance`; a Socket.IO event has no request of its own.
const SOCKET_IO_REQUEST = { url: SOCKET_IO_PATH };

export type SocketIoServer = Server<LegacyClientEvents, LegacyServerEvents>;

/**
 * The older Socket.IO chat API on the app's http server, at `/socket.io`: `chat_stream` {message,
 * session_id} in; `chat_token`, then `chat_complete` or `chat_error` out. Each `session_id` names a
 * conversation. Another encoder over the same runs: a chat starts with `startChatRun` like any other.
 */
export function attachSocketIo(app: App, ctx: AppContext): SocketIoServer {
  const { config } = ctx;
  const io: SocketIoServer = new Server(app.server, {
    path: SOCKET_IO_PATH,
    // No `cors` option: no CORS headers, so pages of other origins cannot use the polling transport.
    serveClient: false,
    // Fastify answers every other upgrade; engine.io must not end those sockets.
    destroyUpgrade: false,
    maxHttpBufferSize: config.bodyLimitBytes,
  });
  // Engine.io answers the upgrades under its path itself. @fastify/websocket routes every upgrade through
  // Fastify as well, whose 404 would land on the same socket and destroy it: Fastify leaves these alone.
  // (Engine.io takes its plain HTTP requests before Fastify sees them.)
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(`${SOCKET_IO_PATH}/`)) reply.hijack();
  });

  const sessions = new LegacySessionStore(ctx.db);
  const schema = createChatStreamSchema(config.maxMessageChars);
  // The same credentials as HTTP: `auth: {token}` in the handshake, or an Authorization header.
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const authorization =
      typeof token === 'string' ? `Bearer ${token}` : socket.handshake.headers.authorization;
    ctx.auth.userFor(authorization).then(
      (userId) => {
        socket.data.userId = userId;
        next();
      },
      () => next(new Error('unauthorized')),
    );
  });
  io.on('connection', (socket) => {
    const userId: string = socket.data.userId;
    const log = app.log.child({ socketIo: socket.id });
    const gone = new AbortController();
    socket.on('disconnect', () => gone.abort());
    // One answer at a time: the legacy events name no message, so two answers could not interleave.
    let queue = Promise.resolve();
    let waiting = 0;
    socket.on('chat_stream', (payload) => {
      if (waiting >= MAX_WAITING) {
        socket.emit('chat_error', { error: 'Too many messages are waiting; wait for an answer first.' });
        return;
      }
      waiting++;
      queue = queue
        .then(() => answer(payload))
        .catch((error: unknown) => {
          log.error({ err: error }, 'socket.io chat_stream failed');
          socket.emit('chat_error', { error: 'Something went wrong on our side. Please try again.' });
        })
        .finally(() => waiting--);
    });

    async function answer(payload: unknown): Promise<void> {
      if (gone.signal.aborted) return;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const error = parsed.error.issues
          .map((i) => (i.path.length ? i.message : 'chat_stream expects {message, session_id?}'))
          .join('; ');
        socket.emit('chat_error', { error });
        return;
      }
      const { message, session_id: sessionId } = parsed.data;
      const known = sessionId === undefined ? undefined : await sessions.conversationFor(userId, sessionId);
      const started = await start(
        ctx,
        { message, ...(known ? { conversation_id: known } : {}) },
        log,
        userId,
      );
      if ('error' in started) {
        socket.emit('chat_error', started);
        return;
      }
      const { run, conversationId } = started;
      const release = ctx.runs.subscribe(run.id);
      try {
        // A new conversation: its session is the one given, or else the conversation's own id.
        const session = sessionId ?? conversationId;
        if (!known) await sessions.link(userId, session, conversationId as ConversationId);
        const result = await writeLegacyChat(socket, run.log, {
          sessionId: session,
          signal: gone.signal,
          stallMs: config.subscriberStallMs,
        });
        if (result === 'stalled') {
          log.warn({ runId: run.id }, 'socket.io client too slow to keep up; disconnected');
          socket.disconnect(true);
        }
      } finally {
        release();
      }
    }
  });
  return io;
}

/** Starts the chat, or says in a human message why it was refused (the cause of a failure goes to the log). */
async function start(ctx: AppContext, body: ChatRequest, log: FastifyBaseLogger, userId: string) {
  try {
    return await startChatRun(ctx, body, log, userId);
  } catch (error) {
    const p = problemFor(error instanceof Error ? error : new Error(String(error)), SOCKET_IO_REQUEST);
    if (p.status >= 500) log.error({ err: error }, 'socket.io chat failed to start');
    return { error: p.detail };
  }
}
