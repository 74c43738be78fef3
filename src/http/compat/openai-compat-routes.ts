import { createChatRequestSchema } from '../../protocol/index.js';
import type { App, AppContext } from '../app-context.js';
import { problem, sendProblem } from '../problem.js';
import { startChatRun } from '../start-chat-run.js';
import { openaiChatCompletionChunkSchema, openaiChatCompletionSchema } from './openai-chat-completion.js';
import {
  CONVERSATION_HEADER,
  DEFAULT_MODEL_ALIAS,
  openaiChatRequestSchema,
  toChatRequest,
} from './openai-chat-request.js';
import { OpenaiChunkEncoder } from './openai-chunk-encoder.js';
import { collectOpenaiCompletion } from './openai-completion.js';
import { addOpenaiError, openaiProblemSchema } from './openai-error.js';
import { streamOpenaiCompletion } from './openai-stream.js';

/**
 * The OpenAI Chat Completions API (`POST /v1/chat/completions`), so OpenAI clients and tools talk to
 * StreamForge: an encoder over the same runs as `POST /v1/chat`. `GET /v1/models` already answers in the
 * OpenAI list shape.
 */
export function openaiCompatRoutes(app: App, ctx: AppContext): void {
  const { config, runs } = ctx;
  const chatSchema = createChatRequestSchema(config.maxMessageChars);
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
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const header = request.headers[CONVERSATION_HEADER];
      const chat = toChatRequest(body, typeof header === 'string' ? header : undefined, chatSchema);
      const created = Math.floor(Date.now() / 1000);
      const { run, conversationId } = await startChatRun(ctx, chat, request.log, request.userId);
      // The response is the run's first subscriber; leaving ends the subscription, and the run per policy.
      const release = runs.subscribe(run.id);
      if (body.stream === true) {
        const includeUsage = body.stream_options?.include_usage === true;
        return streamOpenaiCompletion(reply, run.log, {
          encoder: new OpenaiChunkEncoder({ runId: run.id, conversationId, created, includeUsage }),
          keepAliveMs: config.sseKeepAliveMs,
          stallMs: config.subscriberStallMs,
          lifecycle: ctx.lifecycle,
          onClose: release,
          runId: run.id,
        });
      }
      const gone = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      try {
        const result = await collectOpenaiCompletion(run.log, {
          runId: run.id,
          conversationId,
          created,
          signal: gone.signal,
        });
        if ('choices' in result) return reply.send(result);
        // The turn is stored and the model call was retried already: a client retry would only repeat it.
        reply.header('x-should-retry', 'false');
        return sendProblem(reply, problem(502, result.code, result.message, request.url));
      } finally {
        release();
      }
    },
  );
}
