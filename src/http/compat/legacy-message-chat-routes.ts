import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { legacyMessageFormat } from '../../formats/index.js';
import { problemSchema } from '../../protocol/index.js';
import { DEFAULT_TOP_K } from '../../turns/index.js';
import { answeringOf } from '../delivery/http-delivery.js';
import type { LegacyRoutesOptions } from './legacy-routes-options.js';
import { createMessageStreamSchema } from './legacy-schemas.js';

/**
 * The document-chat backend: `POST /chat/message/stream` {message, conversation_id?, document_ids?} streams
 * `{token, done: false}` events, then `{token: null, done: true, message_id, conversation_id, sources}`.
 * Its clients called it under `/api` as well. `conversation_id` is a StreamForge conversation: the one
 * the final event names continues the chat.
 */
export const legacyMessageChatRoutes: FastifyPluginAsyncZod<LegacyRoutesOptions> = async (app, o) => {
  for (const path of ['/chat/message/stream', '/api/chat/message/stream']) {
    app.post(
      path,
      {
        config: { rateLimitGroup: 'chat' },
        schema: {
          tags: ['legacy'],
          summary: 'Earlier API: stream an answer in a conversation, with its sources at the end',
          description:
            '`data: {"token": "…", "done": false}` per token, then `data: {"token": null, "done": true, ' +
            '"message_id", "conversation_id", "sources": [{document_id, document_name, page_number, ' +
            'confidence, excerpt}]}`, or `data: {"error": "…", "done": true}`.',
          body: createMessageStreamSchema(o.maxMessageChars),
          response: {
            200: {
              description: 'text/event-stream',
              content: { 'text/event-stream': { schema: z.string().describe('data: {"token", "done"}') } },
            },
            400: problemSchema,
            404: problemSchema,
            413: problemSchema,
            415: problemSchema,
            422: problemSchema,
            429: problemSchema,
            503: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const { message, conversation_id: conversationId, document_ids: documentIds } = request.body;
        const started = await o.turns.start({
          kind: 'message',
          userId: request.userId,
          message,
          conversationId: conversationId ?? undefined,
          options: documentIds?.length ? { rag: { top_k: DEFAULT_TOP_K, document_ids: documentIds } } : {},
          log: request.log,
        });
        return o.delivery.stream(reply, answeringOf(started), legacyMessageFormat());
      },
    );
  }
};
