import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, InvalidInputError } from '../../domain-error.js';
import {
  openaiResponseFormat,
  outputItems,
  type ResponseMeta,
  responseObject,
  responseOf,
  statusOf,
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
      const resolved = o.turns.resolveModel(model);
      const input = toResponseInput(body, thread, resolved);
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
      const metaOf = (runId: string): ResponseMeta => ({
        id: `resp_${runId}`,
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
      });
      const record: CompletionRequest['turn']['record'] = ({ runId, text, toolCalls, finish, usage }) => {
        const meta = metaOf(runId);
        const output = outputItems(meta.id, text, toolCalls);
        const end = { type: 'done', finish_reason: finish, usage } as const;
        return o.responses.save({
          id: meta.id,
          userId,
          previousResponseId: previous,
          model: model ?? DEFAULT_MODEL_ALIAS,
          items: [...own, ...output],
          inputCount: own.length,
          response: responseObject(meta, resolved.id, { status: statusOf(end), output }, end),
        });
      };
      const started = await o.turns.startCompletion(
        completionRequestOf(input, {
          userId,
          model,
          onDisconnect: body.on_disconnect ?? 'cancel',
          log: request.log,
          ...(store ? { record } : {}),
        }),
      );
      const meta = metaOf(started.run.id);
      if (body.stream === true) {
        return o.delivery.stream(reply, answeringOf(started), openaiResponseFormat(meta));
      }
      return o.delivery.document(request, reply, answeringOf(started), (answer) => responseOf(answer, meta), {
        'x-should-retry': 'false',
      });
    },
  );

  const params = z.object({ id: z.string().min(1).max(200) });
  const stored = async (userId: string, id: string) => {
    const found = await o.responses.get(userId, id);
    if (!found) throw new ResponseNotFoundError(id);
    return found;
  };

  app.get(
    '/v1/responses/:id',
    {
      onSend: addOpenaiError,
      schema: {
        tags: ['chat'],
        summary: 'A stored response (OpenAI Responses API)',
        description:
          'The Response a `POST /v1/responses` with `store` made, as it was when it completed (status, output, ' +
          'usage, the echoed request fields). A response is stored when its run completes, so a running one, ' +
          'one made with `store: false` and another user’s are 404.',
        params,
        response: { 200: responseSchema, 404: openaiProblemSchema },
      },
    },
    async (request) =>
      (await stored(request.userId, request.params.id)).response as z.infer<typeof responseSchema>,
  );

  app.get(
    '/v1/responses/:id/input_items',
    {
      onSend: addOpenaiError,
      schema: {
        tags: ['chat'],
        summary: 'The input items of a stored response',
        description:
          'The items of the request that made the response (not those of the responses before it), as a ' +
          'cursor page: `order` (default `desc`, newest first), `limit` (1–100, default 20) and `after` (an ' +
          'item id of the previous page). Messages are `message` items with `input_text`/`input_image` parts.',
        params,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          order: z.enum(['asc', 'desc']).default('desc'),
          after: z.string().min(1).max(200).optional(),
        }),
        response: {
          200: z
            .object({
              object: z.literal('list'),
              data: z.array(z.looseObject({ id: z.string(), type: z.string() })),
              first_id: z.string().nullable(),
              last_id: z.string().nullable(),
              has_more: z.boolean(),
            })
            .meta({ id: 'OpenAIResponseItemList' }),
          404: openaiProblemSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, order, after } = request.query;
      const items = (await stored(request.userId, id)).input.map((item, i) => listedItem(id, item, i));
      if (order === 'desc') items.reverse();
      const from = after === undefined ? 0 : items.findIndex((item) => item.id === after) + 1;
      if (after !== undefined && from === 0)
        throw new InvalidInputError([{ path: 'querystring.after', message: `No input item "${after}"` }]);
      const data = items.slice(from, from + limit);
      return {
        object: 'list' as const,
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: from + limit < items.length,
      };
    },
  );

  app.delete(
    '/v1/responses/:id',
    {
      onSend: addOpenaiError,
      schema: {
        tags: ['chat'],
        summary: 'Delete a stored response',
        description:
          'Deletes the response and its items. A response that continued it keeps its own items but no longer ' +
          'continues it: `previous_response_id` on it then starts from its own items.',
        params,
        response: {
          200: z.object({ id: z.string(), object: z.literal('response'), deleted: z.literal(true) }),
          404: openaiProblemSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await o.responses.delete(request.userId, id))) throw new ResponseNotFoundError(id);
      return { id, object: 'response' as const, deleted: true as const };
    },
  );
};

/**
 * An input item as the list shows it: with an id (`in_<run id>_<n>` when the client gave none), its
 * type, and a message's text as an `input_text` part.
 */
function listedItem(responseId: string, item: Record<string, unknown>, i: number) {
  const id = typeof item.id === 'string' ? item.id : `in_${responseId.replace(/^resp_/, '')}_${i}`;
  const type = typeof item.type === 'string' ? item.type : 'message';
  if (type !== 'message') return { ...item, id, type };
  const content =
    typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : (item.content ?? []);
  return { ...item, id, type, status: 'completed', content };
}
