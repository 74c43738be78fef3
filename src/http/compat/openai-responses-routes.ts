import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, InvalidInputError } from '../../domain-error.js';
import {
  openaiResponseFormat,
  outputItems,
  type ResponseMeta,
  responseOf,
} from '../../formats/openai-response-format.js';
import type { ResponseStore } from '../../store/index.js';
import type { CompletionRequest, TurnStarter } from '../../turns/index.js';
import { answeringOf, type HttpDelivery } from '../delivery/http-delivery.js';
import { DEFAULT_MODEL_ALIAS } from './openai-chat-request.js';
import { addOpenaiError, openaiProblemSchema } from './openai-error.js';
import { completionRequestOf } from './openai-completion-turn.js';
import {
  inputItemsOf,
  openaiResponsesRequestSchema,
  type ResponseInputItem,
  toResponseInput,
} from './openai-responses-request.js';

export interface OpenaiResponsesRoutesOptions {
  turns: TurnStarter;
  delivery: HttpDelivery;
  responses: ResponseStore;
  maxMessageChars: number;
}

class ResponseNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', 'response_not_found', `No stored response with id "${id}".`);
  }
}

/** A Response, loosely: the fields OpenAI clients read are documented in the route's description. */
const responseSchema = z
  .looseObject({
    id: z.string().describe('`resp_<run id>`'),
    object: z.literal('response'),
    created_at: z.number().int(),
    status: z.enum(['in_progress', 'completed', 'incomplete', 'failed']),
    model: z.string(),
    output: z.array(z.looseObject({ type: z.string() })).describe('`message` and `function_call` items'),
    previous_response_id: z.string().nullable(),
    usage: z.looseObject({}).nullable(),
  })
  .meta({ id: 'OpenAIResponse' });

/**
 * The OpenAI Responses API (`POST /v1/responses`), what newer OpenAI clients and agent SDKs call: the same
 * stateless runs as Chat Completions, with the Responses API's items and semantic events, and stored
 * responses that `previous_response_id` continues.
 */
export const openaiResponsesRoutes: FastifyPluginAsyncZod<OpenaiResponsesRoutesOptions> = async (app, o) => {
  app.post(
    '/v1/responses',
    {
      config: { rateLimitGroup: 'chat' },
      onSend: addOpenaiError,
      schema: {
        tags: ['chat'],
        summary: 'OpenAI Responses API (streaming or not)',
        description:
          'The OpenAI Responses API over StreamForge runs. `input` (text, or items: messages with `input_text`/' +
          '`input_image` parts, `function_call` and `function_call_output`) and `instructions` are the context; ' +
          'with `previous_response_id` the stored thread of that response comes first. Function `tools` are offered ' +
          'to the model and its calls come back as `function_call` items. `temperature`, `top_p`, ' +
          '`max_output_tokens`, `text.format` (JSON and `json_schema`), `user` and `parallel_tool_calls` reach the ' +
          'model, or are a 400 naming what it cannot honour (as on `/v1/chat/completions`). The response is ' +
          'stored unless `store: false` (its input and output items, for `previous_response_id`; not a ' +
          'conversation). With `stream: true`: `text/event-stream` of semantic events (`response.created`, ' +
          '`response.in_progress`, `response.output_item.added`, `response.content_part.added`, ' +
          '`response.output_text.delta`, `…done`, `response.function_call_arguments.delta`/`.done`, ' +
          '`response.completed`, or `response.incomplete`/`response.failed`), each with its `sequence_number`.',
        body: openaiResponsesRequestSchema,
        response: {
          200: {
            description: 'A Response (application/json), or its events (text/event-stream)',
            content: {
              'application/json': { schema: responseSchema },
              'text/event-stream': {
                schema: z.looseObject({ type: z.string(), sequence_number: z.number() }),
              },
            },
          },
          400: openaiProblemSchema,
          404: openaiProblemSchema,
          413: openaiProblemSchema,
          429: openaiProblemSchema,
          502: openaiProblemSchema,
          503: openaiProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const userId = request.userId;
      const model = body.model === DEFAULT_MODEL_ALIAS ? undefined : body.model;
      const previous = body.previous_response_id ?? undefined;
      let thread: ResponseInputItem[] = [];
      if (previous) {
        const found = await o.responses.thread(userId, previous);
        if (!found) throw new ResponseNotFoundError(previous);
        thread = found as ResponseInputItem[];
      }
      const input = toResponseInput(body, thread, o.turns.resolveModel(model).model);
      const own = inputItemsOf(body);
      for (const [i, item] of own.entries()) {
        const text =
          typeof item.content === 'string'
            ? item.content
            : (item.content ?? []).map((p) => p.text ?? '').join('');
        if (text.length + (item.output?.length ?? 0) > o.maxMessageChars)
          throw new InvalidInputError(
            [{ path: `body.input.${i}`, message: `Too long: at most ${o.maxMessageChars} characters` }],
            true,
          );
      }
      const store = body.store !== false;
      const created = Math.floor(Date.now() / 1000);
      // The run's id names the response.
      const idOf = (runId: string) => `resp_${runId}`;
      const record: CompletionRequest['turn']['record'] = ({ runId, text, toolCalls }) =>
        o.responses.save({
          id: idOf(runId),
          userId,
          previousResponseId: previous,
          model: model ?? DEFAULT_MODEL_ALIAS,
          items: [...own, ...outputItems(idOf(runId), text, toolCalls)],
        });
      const started = await o.turns.startCompletion(
        completionRequestOf(input, {
          userId,
          model,
          onDisconnect: body.on_disconnect ?? 'cancel',
          log: request.log,
          ...(store ? { record } : {}),
        }),
      );
      const meta: ResponseMeta = {
        id: idOf(started.run.id),
        createdAt: created,
        previousResponseId: previous ?? null,
        echo: {
          instructions: body.instructions ?? null,
          tools: body.tools ?? [],
          tool_choice: body.tool_choice ?? 'auto',
          temperature: body.temperature ?? null,
          top_p: body.top_p ?? null,
          max_output_tokens: body.max_output_tokens ?? null,
          parallel_tool_calls: body.parallel_tool_calls ?? true,
          text: { format: body.text?.format ?? { type: 'text' } },
          store,
          metadata: body.metadata ?? {},
          user: body.user ?? null,
        },
      };
      if (body.stream === true) {
        return o.delivery.stream(reply, answeringOf(started), openaiResponseFormat(meta));
      }
      return o.delivery.document(request, reply, answeringOf(started), (answer) => responseOf(answer, meta), {
        'x-should-retry': 'false',
      });
    },
  );
};
