import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { legacyProgressFormat, type ProgressChatMode } from '../../formats/index.js';
import { problemSchema } from '../../protocol/index.js';
import { DEFAULT_TOP_K } from '../../turns/index.js';
import { answeringOf } from '../delivery/http-delivery.js';
import type { LegacyRoutesOptions } from './legacy-routes-options.js';
import { createProgressChatSchema } from './legacy-schemas.js';

const ROUTES: { path: string; mode: ProgressChatMode; summary: string }[] = [
  { path: '/chat/stream', mode: 'traditional', summary: 'Earlier API: document chat with progress events' },
  {
    path: '/fast_chat/stream',
    mode: 'fast',
    summary: 'Earlier API: document chat with a progress event per search step',
  },
];

/**
 * The Jacie document chat: `POST /chat/stream` and `POST /fast_chat/stream` {query, auto_load_documents?,
 * memory_enabled?, conversation_history?} answer with `progress` events, then `result` or `error`, and
 * `heartbeat` while a step takes long. They search the user's documents whenever there are any.
 */
export const legacyProgressChatRoutes: FastifyPluginAsyncZod<LegacyRoutesOptions> = async (app, o) => {
  for (const { path, mode, summary } of ROUTES) {
    app.post(
      path,
      {
        config: { rateLimitGroup: 'chat' },
        schema: {
          tags: ['legacy'],
          summary,
          description:
            'Named events: `progress` {step, message, progress, timestamp, details}, then `result` ' +
            '{response, documents_loaded, document_selection_message, conversation_history} or `error` ' +
            '{error}; `heartbeat` {} after every second without one. A new conversation per request.',
          body: createProgressChatSchema(o.maxMessageChars),
          response: {
            200: {
              description: 'text/event-stream',
              content: {
                'text/event-stream': { schema: z.string().describe('event: progress|result|error') },
              },
            },
            400: problemSchema,
            413: problemSchema,
            415: problemSchema,
            429: problemSchema,
            503: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const searches = body.auto_load_documents !== false;
        const started = await o.turns.start({
          kind: 'message',
          userId: request.userId,
          message: body.query,
          options: { rag: { enabled: searches ? undefined : false, top_k: DEFAULT_TOP_K } },
          log: request.log,
        });
        const format = legacyProgressFormat({
          mode,
          query: body.query,
          history: body.conversation_history ?? undefined,
          memoryEnabled: body.memory_enabled !== false,
          documentCount: started.retrieval?.documentCount ?? 0,
          noRetrieval: searches
            ? 'No documents uploaded - no documents loaded'
            : 'Document auto-loading was disabled',
        });
        return o.delivery.stream(reply, answeringOf(started), format);
      },
    );
  }
};
