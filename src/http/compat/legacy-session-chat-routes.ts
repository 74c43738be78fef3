import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { legacySessionFormat } from '../../formats/index.js';
import { problemSchema } from '../../protocol/index.js';
import type { ConversationStore } from '../../store/index.js';
import type { SessionLinks } from '../../turns/index.js';
import { answeringOf } from '../delivery/http-delivery.js';
import { HttpProblem } from '../problem.js';
import type { LegacyRoutesOptions } from './legacy-routes-options.js';
import {
  apiStatusSchema,
  createSessionChatSchema,
  sessionDeletedSchema,
  sessionInfoSchema,
  sessionParams,
} from './legacy-schemas.js';

export interface LegacySessionRoutesOptions extends LegacyRoutesOptions {
  sessions: SessionLinks;
  conversations: ConversationStore;
  defaultModel: string;
}

/**
 * The assistant backend with sessions: `POST /api/chat/stream` {message, session_id?} streams
 * `{token, count, partial}` then `{done: true, …}`; `GET`/`DELETE /api/chat/sessions/:id`; `GET /api/status`.
 * A session names a conversation of its user, shared with the Socket.IO `chat_stream` API: the first
 * message of an unknown session starts a conversation and links the session to it, later ones continue it.
 */
export const legacySessionChatRoutes: FastifyPluginAsyncZod<LegacySessionRoutesOptions> = async (app, o) => {
  const tags = ['legacy'];

  app.post(
    '/api/chat/stream',
    {
      config: { rateLimitGroup: 'chat' },
      schema: {
        tags,
        summary: 'Earlier API: stream an answer in a session',
        description:
          '`data: {"token", "count", "partial"}` per token, then `data: {"done": true, "tokens", "duration", ' +
          '"speed", "tokens_per_second", "full_response", "message_id", "session_id", "timestamp"}`, or ' +
          '`data: {"error"}`. Without `session_id` the conversation id becomes the session id.',
        body: createSessionChatSchema(o.maxMessageChars),
        response: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: z.string().describe('data: {"token", …}') } },
          },
          400: problemSchema,
          413: problemSchema,
          415: problemSchema,
          422: problemSchema,
          429: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { message, session_id: sessionId } = request.body;
      const started = await o.turns.start({
        kind: 'message',
        userId: request.userId,
        message,
        session: { scope: 'socket', id: sessionId ?? undefined },
        log: request.log,
      });
      return o.delivery.stream(reply, answeringOf(started), legacySessionFormat(started.sessionId ?? ''));
    },
  );

  app.get(
    '/api/chat/sessions/:id',
    {
      config: { rateLimitGroup: 'default' },
      schema: {
        tags,
        summary: 'Earlier API: a session and how many messages it holds',
        params: sessionParams,
        response: { 200: sessionInfoSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const conversationId = await o.sessions.find(request.userId, { scope: 'socket', id });
      const detail = conversationId && (await o.conversations.detail(request.userId, conversationId));
      if (!detail) throw sessionNotFound(id);
      return {
        session_id: id,
        conversation_id: detail.id,
        messages: detail.messages.length,
        created_at: detail.created_at,
        timestamp: detail.updated_at,
      };
    },
  );

  app.delete(
    '/api/chat/sessions/:id',
    {
      config: { rateLimitGroup: 'default' },
      schema: {
        tags,
        summary: "Earlier API: delete a session and its conversation's messages",
        params: sessionParams,
        response: { 200: sessionDeletedSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const conversationId = await o.sessions.find(request.userId, { scope: 'socket', id });
      // The session goes with its conversation (the link is deleted in cascade).
      if (!conversationId || !(await o.conversations.delete(request.userId, conversationId)))
        throw sessionNotFound(id);
      return { success: true as const, message: 'Session deleted' };
    },
  );

  app.get(
    '/api/status',
    {
      schema: {
        tags,
        summary: 'Earlier API: the backend is up and streams',
        response: { 200: apiStatusSchema },
      },
    },
    async () => ({
      status: 'online' as const,
      streaming: 'enabled' as const,
      default_model: o.defaultModel,
      timestamp: new Date().toISOString(),
    }),
  );
};

function sessionNotFound(id: string): HttpProblem {
  return new HttpProblem(404, 'session_not_found', `No session with id "${id}".`);
}
