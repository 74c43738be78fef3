import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { chatReplyOf, nativeSseFormat } from '../../formats/index.js';
import {
  chatReplySchema,
  createChatRequestSchema,
  createRegenerateRequestSchema,
  idParamsSchema,
  problemSchema,
  runEvent,
} from '../../protocol/index.js';
import type { StartedTurn, TurnStarter } from '../../turns/index.js';
import { answeringOf, type HttpDelivery } from '../delivery/http-delivery.js';

/** What a route that starts an answer replies: its event stream, or with `stream: false` one JSON document. */
const ANSWER = {
  description: 'The event stream (text/event-stream), or the whole reply (application/json)',
  content: {
    'text/event-stream': { schema: runEvent },
    'application/json': { schema: chatReplySchema },
  },
};

export interface ChatRoutesOptions {
  turns: TurnStarter;
  delivery: HttpDelivery;
  maxMessageChars: number;
}

/** `POST /v1/chat` and `POST /v1/conversations/:id/regenerate`: StreamForge's own way to ask. */
export const chatRoutes: FastifyPluginAsyncZod<ChatRoutesOptions> = async (app, o) => {
  app.post(
    '/v1/chat',
    {
      config: { rateLimitGroup: 'chat' },
      schema: {
        tags: ['chat'],
        summary: 'Send a message; the answer streams as Server-Sent Events',
        description:
          'Answers `text/event-stream`: `start`, `progress`…, `sources`, `token`/`component`…, then `done` or ' +
          '`error`. Each event has `id: <n>` (1, 2, 3… within the run) and `event: <type>`; `data` is JSON ' +
          'repeating `type`. With `"stream": false` or `Accept: application/json` the reply is one JSON ' +
          'document instead. The run outlives the connection (`on_disconnect: "continue"`, the default): ' +
          'resume it at `GET /v1/runs/{run_id}/events`; `"cancel"` stops it when the client goes. The ' +
          '`X-Run-Id` response header names the run before its first event. Spends the chat budget ' +
          '(`RATE_LIMIT_CHAT_PER_MIN`), shared with every other way of starting an answer.',
        body: createChatRequestSchema(o.maxMessageChars),
        response: {
          200: ANSWER,
          400: problemSchema,
          404: problemSchema,
          413: problemSchema,
          415: problemSchema,
          429: problemSchema,
          502: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const started = await o.turns.start({
        kind: 'message',
        userId: request.userId,
        message: body.message,
        conversationId: body.conversation_id,
        options: body,
        log: request.log,
      });
      return answer(o.delivery, request, reply, started, body.stream);
    },
  );

  app.post(
    '/v1/conversations/:id/regenerate',
    {
      config: { rateLimitGroup: 'chat' },
      schema: {
        tags: ['chat'],
        summary: 'Answer the last user message again, in place of its answer',
        description:
          'Deletes the conversation’s last answer (finished, failed or cancelled) and generates a new one for ' +
          'the same user message, streamed exactly as `POST /v1/chat` streams (or one JSON reply). The body ' +
          'takes the options of `POST /v1/chat` (another `model`, `system`, `rag`…), without a message. ' +
          '409 `answer_in_progress` while the last answer is still being generated; 409 ' +
          '`nothing_to_regenerate` when there is no user message.',
        params: idParamsSchema,
        body: createRegenerateRequestSchema(o.maxMessageChars),
        response: {
          200: ANSWER,
          400: problemSchema,
          404: problemSchema,
          409: problemSchema,
          429: problemSchema,
          502: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const started = await o.turns.start({
        kind: 'regenerate',
        userId: request.userId,
        conversationId: request.params.id,
        options: body,
        log: request.log,
      });
      return answer(o.delivery, request, reply, started, body.stream);
    },
  );
};

/**
 * Sends a started run as the client asked: one JSON reply (`stream: false` or `Accept: application/json`), or
 * the event stream.
 */
function answer(
  delivery: HttpDelivery,
  request: FastifyRequest,
  reply: FastifyReply,
  started: StartedTurn,
  stream: boolean | undefined,
) {
  const answering = answeringOf(started);
  if (stream === false || prefersJson(request.headers.accept))
    return delivery.document(request, reply, answering, chatReplyOf);
  return delivery.stream(reply, answering, nativeSseFormat(started.run.id));
}

/** True when the client asks for JSON and not for an event stream. */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}
