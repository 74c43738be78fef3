import { z } from 'zod';
import { problemSchema } from '../../protocol/index.js';
import type { App, AppContext } from '../app-context.js';
import { startChatRun } from '../start-chat-run.js';
import { createMessageEncoder } from './legacy-message-encoder.js';
import { createMessageStreamSchema } from './legacy-schemas.js';
import { streamLegacyChat } from './legacy-stream-run.js';

/**
 * The document-chat backend: `POST /chat/message/stream` {message, conversation_id?, document_ids?} streams
 * `{token, done: false}` events, then `{token: null, done: true, message_id, conversation_id, sources}`.
 * Its clients called it under `/api` as well. `conversation_id` is a StreamForge conversation: the one
 * the final event names continues the chat.
 */
export function legacyMessageChatRoutes(app: App, ctx: AppContext): void {
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
          body: createMessageStreamSchema(ctx.config.maxMessageChars),
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
          },
        },
      },
      async (request, reply) => {
        const { message, conversation_id: conversationId, document_ids: documentIds } = request.body;
        const { run } = await startChatRun(
          ctx,
          {
            message,
            ...(conversationId ? { conversation_id: conversationId } : {}),
            ...(documentIds?.length ? { rag: { top_k: 5, document_ids: documentIds } } : {}),
          },
          request.log,
          request.userId,
        );
        return streamLegacyChat(ctx, reply, run, createMessageEncoder());
      },
    );
  }
}
