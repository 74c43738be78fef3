import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { openaiChunkFormat, openaiCompletionOf } from '../../formats/index.js';
import {
  createChatRequestSchema,
  openaiChatCompletionChunkSchema,
  openaiChatCompletionSchema,
} from '../../protocol/index.js';
import type { TurnStarter } from '../../turns/index.js';
import { answeringOf, type HttpDelivery } from '../delivery/http-delivery.js';
import {
  CONVERSATION_HEADER,
  DEFAULT_MODEL_ALIAS,
  openaiChatRequestSchema,
  toChatRequest,
} from './openai-chat-request.js';
import { addOpenaiError, openaiProblemSchema } from './openai-error.js';

export interface OpenaiCompatRoutesOptions {
  turns: TurnStarter;
  delivery: HttpDelivery;
  maxMessageChars: number;
}

/**
 * The OpenAI Chat Completions API (`POST /v1/chat/completions`), so OpenAI clients and tools talk to
 * StreamForge: an encoder over the same runs as `POST /v1/chat`. `GET /v1/models` already answers in the
 * OpenAI list shape.
 */
export const openaiCompatRoutes: FastifyPluginAsyncZod<OpenaiCompatRoutesOptions> = async (app, o) => {
  const chatSchema = createChatRequestSchema(o.maxMessageChars);
  app.post(
    '/v1/chat/completions',
    {
      config: { rateLimitGroup: 'chat' },
      onSend: addOpenaiError,
      schema: {
        tags: ['chat'],
        summary: 'OpenAI-compatible chat completion (streaming or not)',
        description:
          'The OpenAI Chat Completions API over StreamForge runs. The last message (role `user`) is answered; ' +
          '`system`/`developer` messages become the system prompt. Earlier messages are **not** stored: ' +
          `StreamForge remembers the stored conversation, so pass \`conversation_id\` (or \`${CONVERSATION_HEADER}\`) ` +
          'to continue one; without it each request starts a new conversation. `model` is a StreamForge model ' +
          `id, or \`${DEFAULT_MODEL_ALIAS}\` for the default. With \`"stream": true\` the reply is ` +
          '`text/event-stream` of `chat.completion.chunk` objects ending with `data: [DONE]`. Problems are ' +
          'problem+json with an OpenAI `error` member. Closing the connection cancels the run unless ' +
          '`on_disconnect` is `continue`.',
        body: openaiChatRequestSchema,
        response: {
          200: {
            description: 'A `chat.completion` (application/json), or its chunks (text/event-stream)',
            content: {
              'application/json': { schema: openaiChatCompletionSchema },
              'text/event-stream': { schema: openaiChatCompletionChunkSchema },
            },
          },
          400: openaiProblemSchema,
          404: openaiProblemSchema,
          413: openaiProblemSchema,
          415: openaiProblemSchema,
          429: openaiProblemSchema,
          502: openaiProblemSchema,
          503: openaiProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const header = request.headers[CONVERSATION_HEADER];
      const chat = toChatRequest(body, typeof header === 'string' ? header : undefined, chatSchema);
      const created = Math.floor(Date.now() / 1000);
      const started = await o.turns.start({
        kind: 'message',
        userId: request.userId,
        message: chat.message,
        conversationId: chat.conversation_id,
        options: chat,
        log: request.log,
      });
      const ids = { runId: started.run.id, conversationId: started.conversationId, created };
      if (body.stream === true) {
        const includeUsage = body.stream_options?.include_usage === true;
        return o.delivery.stream(reply, answeringOf(started), openaiChunkFormat({ ...ids, includeUsage }));
      }
      // A failed run was retried already and its turn is stored: a client retry would only repeat it.
      return o.delivery.document(
        request,
        reply,
        answeringOf(started),
        (answer) => openaiCompletionOf(answer, ids),
        {
          'x-should-retry': 'false',
        },
      );
    },
  );
};
