import type { FastifyBaseLogger } from 'fastify';
import { nulPathOf, nulRefusal } from '../guards/refuse-nul.js';
import { Server, type Socket } from 'socket.io';
import { socketIoFormat } from '../../formats/index.js';
import {
  createChatStreamSchema,
  type LegacyClientEvents,
  type LegacyServerEvents,
} from '../../protocol/index.js';
import type { RunFollower } from '../../runs/index.js';
import type { TurnStarter } from '../../turns/index.js';
import type { App } from '../app.js';
import type { Authenticator } from '../auth/authenticator.js';
import { framedSink } from '../delivery/framed-sink.js';
import { problemFor } from '../problem.js';
import { socketIoChannel } from './socket-io-channel.js';

export const SOCKET_IO_PATH = '/socket.io';
/** `chat_stream`s a socket may have waiting behind the one being answered. */
const MAX_WAITING = 10;
/** Longest a closing server waits for its sockets to send what they have (a shutdown notice) before it drops them. */
const CLOSE_FLUSH_MS = 2_000;

export type SocketIoServer = Server<LegacyClientEvents, LegacyServerEvents>;

export interface SocketIoOptions {
  auth: Authenticator;
  turns: TurnStarter;
  follow: RunFollower;
  maxMessageChars: number;
  maxPayloadBytes: number;
  log: FastifyBaseLogger;
}

/** The Socket.IO transport on the app's http server. */
export interface SocketIoTransport {
  io: SocketIoServer;
  /** Ends every socket after it has written what it has (a shutdown notice), then the server. */
  close(): Promise<void>;
}

/**
 * The older Socket.IO chat API on the app's http server, at `/socket.io`: `chat_stream` {message,
 * session_id} in; `chat_token`, then `chat_complete` or `chat_error` out. Each `session_id` names a
 * conversation. Another transport over the same turns and runs: a chat starts, spends its budget and is
 * followed as on every other transport, and at shutdown the client gets a `chat_error` saying the server
 * restarts.
 */
export function attachSocketIo(app: App, o: SocketIoOptions): SocketIoTransport {
  const io: SocketIoServer = new Server(app.server, {
    path: SOCKET_IO_PATH,
    // No `cors` option: no CORS headers, so pages of other origins cannot use the polling transport.
    serveClient: false,
    // Fastify answers every other upgrade; engine.io must not end those sockets.
    destroyUpgrade: false,
    maxHttpBufferSize: o.maxPayloadBytes,
  });
  // Engine.io answers the upgrades under its path itself. @fastify/websocket routes every upgrade through
  // Fastify as well, whose 404 would land on the same socket and destroy it: Fastify leaves these alone.
  // (Engine.io takes its plain HTTP requests before Fastify sees them.)
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(`${SOCKET_IO_PATH}/`)) reply.hijack();
  });

  const schema = createChatStreamSchema(o.maxMessageChars);
  // The same credentials as HTTP: `auth: {token}` in the handshake, or an Authorization header.
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const authorization =
      typeof token === 'string' ? `Bearer ${token}` : socket.handshake.headers.authorization;
    o.auth.userFor(authorization).then(
      (userId) => {
        socket.data.userId = userId;
        next();
      },
      () => next(new Error('unauthorized')),
    );
  });
  io.on('connection', (socket) => serveSocket(socket));

  function serveSocket(socket: Socket<LegacyClientEvents, LegacyServerEvents>): void {
    const userId: string = socket.data.userId;
    const log = o.log.child({ socketIo: socket.id });
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
      const nulAt = nulPathOf(payload, 'chat_stream');
      if (nulAt !== undefined) {
        socket.emit('chat_error', { error: nulRefusal(nulAt).message });
        return;
      }
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const error = parsed.error.issues
          .map((i) => (i.path.length ? i.message : 'chat_stream expects {message, session_id?}'))
          .join('; ');
        socket.emit('chat_error', { error });
        return;
      }
      const { message, session_id: sessionId } = parsed.data;
      let started;
      try {
        started = await o.turns.start({
          kind: 'message',
          userId,
          message,
          session: { scope: 'socket', id: sessionId },
          log,
        });
      } catch (error) {
        // A refusal in this protocol's terms: a human message; the cause of a failure goes to the log.
        const p = problemFor(error);
        if (p.status >= 500) log.error({ err: error }, 'socket.io chat failed to start');
        socket.emit('chat_error', { error: p.detail });
        return;
      }
      const { run } = started;
      const format = socketIoFormat(started.sessionId ?? started.conversationId);
      // The transport keeps itself alive (engine.io pings): no heartbeat of the format's own.
      const sink = framedSink(socketIoChannel(socket, gone.signal), format, 0);
      const end = await o.follow({ id: run.id, log: run.log, after: 0 }, sink);
      if (end === 'stalled')
        log.warn({ runId: run.id }, 'socket.io client too slow to keep up; disconnected');
    }
  }

  return {
    io,
    async close() {
      const sockets = [...io.sockets.sockets.values()];
      const closed = Promise.all(
        sockets.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.conn.readyState === 'closed') return resolve();
              s.conn.once('close', () => resolve());
            }),
        ),
      );
      // Not discarding: each connection first sends what it has queued (a shutdown notice), then closes.
      for (const socket of sockets) socket.disconnect(true);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_FLUSH_MS);
        }),
      ]);
      clearTimeout(timer);
      await io.close();
    },
  };
}
