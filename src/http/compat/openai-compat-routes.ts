import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { openaiChunkFormat, openaiCompletionOf } from '../../formats/index.js';
import {
  createChatRequestSchema,
  openaiChatCompletionChunkSchema,
  openaiChatCompletionSchema,
} from '../../protocol/index.js';
import { InvalidInputError } from '../../domain-error.js';
import type { StartedTurn, TurnStarter } from '../../turns/index.js';
import { answeringOf, type HttpDelivery } from '../delivery/http-delivery.js';
import {
  CONVERSATION_HEADER,
  DEFAULT_MODEL_ALIAS,
  type OpenaiChatRequest,
  openaiChatRequestSchema,
  toChatRequest,
} from './openai-chat-request.js';
import { completionRequestOf, toCompletionInput } from './openai-completion-turn.js';
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
          'The OpenAI Chat Completions API over StreamForge runs. **Stateless by default**, as OpenAI is: the ' +
          "request's `messages` (system/developer, user with text and `image_url` parts, assistant with " +
          '`tool_calls`, tool results) are the whole context, the sampling and output parameters (`temperature`, ' +
          '`top_p`, `seed`, `stop`, penalties, `response_format` with `json_schema`, `user`, ' +
          '`parallel_tool_calls`) reach the model, and nothing is stored. A parameter the chosen model cannot ' +
          'honour is a 400 naming it (the `local` model: sampling, tools, JSON output, images; Anthropic: ' +
          "`seed` and penalties). The client's `tools`/`tool_choice` are offered to the model; its calls come back " +
          'as `tool_calls` with `finish_reason: "tool_calls"`, and the next request carries the results. ' +
          `With \`store: true\`, \`conversation_id\` or \`${CONVERSATION_HEADER}\` the exchange is stored instead: ` +
          'the last user message is answered from the stored conversation (earlier messages are not stored ' +
          'again), with the server settings (sampling parameters and tools are refused there). `model` is a StreamForge model ' +
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
      const created = Math.floor(Date.now() / 1000);
      const conversationHeader = typeof header === 'string' ? header : undefined;
      // Stored when asked for (OpenAI's `store`, or a conversation to continue); stateless otherwise.
      const stored =
        body.store === true || body.conversation_id !== undefined || conversationHeader !== undefined;
      let started: Pick<StartedTurn, 'run' | 'budget'>;
      let conversationId: string | null = null;
      if (stored) {
        refuseStatelessOnly(body);
        const chat = toChatRequest(body, conversationHeader, chatSchema);
        const turn = await o.turns.start({
          kind: 'message',
          userId: request.userId,
          message: chat.message,
          conversationId: chat.conversation_id,
          options: chat,
          log: request.log,
        });
        started = turn;
        conversationId = turn.conversationId;
      } else {
        const model = body.model === DEFAULT_MODEL_ALIAS ? undefined : body.model;
        const input = toCompletionInput(body, o.turns.resolveModel(model));
        checkLengths(body, o.maxMessageChars);
        started = await o.turns.startCompletion(
          completionRequestOf(input, {
            userId: request.userId,
            model,
            onDisconnect: body.on_disconnect ?? 'cancel',
            log: request.log,
          }),
        );
      }
      const ids = { runId: started.run.id, conversationId, created };
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

/**
 * What only a stateless completion forwards: a stored conversation is answered from StreamForge's memory with
 * the server's settings, so these fields would be dropped there — they are refused instead.
 */
function refuseStatelessOnly(body: OpenaiChatRequest): void {
  const fields = [
    'temperature',
    'top_p',
    'seed',
    'stop',
    'presence_penalty',
    'frequency_penalty',
    'response_format',
    'tools',
    'tool_choice',
  ] as const;
  const given = fields.filter((f) => body[f] !== undefined && body[f] !== null);
  if (given.length > 0)
    throw new InvalidInputError(
      given.map((f) => ({
        path: `body.${f}`,
        message: `${f} applies to stateless completions; a stored conversation (store, conversation_id) is answered with the server's settings`,
      })),
    );
}

/** Each message's text within MAX_MESSAGE_CHARS, as the native API holds one message to it (413 past it). */
function checkLengths(body: OpenaiChatRequest, maxChars: number): void {
  body.messages.forEach((m, i) => {
    const text =
      typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join('');
    if (text.length > maxChars)
      throw new InvalidInputError(
        [{ path: `body.messages.${i}.content`, message: `Too long: at most ${maxChars} characters` }],
        true,
      );
  });
}
