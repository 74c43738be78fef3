import { z } from 'zod';
import { problemSchema } from '../../protocol/index.js';
import type { App, AppContext } from '../app-context.js';
import { startChatRun } from '../start-chat-run.js';
import {
  createProgressEncoder,
  PROGRESS_HEARTBEAT,
  type ProgressChatMode,
} from './legacy-progress-encoder.js';
import { createProgressChatSchema } from './legacy-schemas.js';
import { streamLegacyChat } from './legacy-stream-run.js';

/**
 * Idle time after which a progress stream sends `event: heartbeat`: the earlier backend sent one whenever
 * a second passed without an update (its queue read timed out after 1.0 s), and its clients expect that.
 */
export const PROGRESS_HEARTBEAT_MS = 1000;

export interface ProgressChatRoutesOptions {
  /** @default PROGRESS_HEARTBEAT_MS */
  heartbeatMs?: number;
}

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
export function legacyProgressChatRoutes(
  app: App,
  ctx: AppContext,
  options: ProgressChatRoutesOptions = {},
): void {
  const heartbeat = { frame: PROGRESS_HEARTBEAT, ms: options.heartbeatMs ?? PROGRESS_HEARTBEAT_MS };
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
          body: createProgressChatSchema(ctx.config.maxMessageChars),
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
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const searches = body.auto_load_documents !== false;
        const documentCount = searches ? await ctx.documents.count(request.userId) : 0;
        const { run } = await startChatRun(
          ctx,
          { message: body.query, rag: { enabled: documentCount > 0, top_k: 5 } },
          request.log,
          request.userId,
        );
        const encoder = createProgressEncoder({
          mode,
          query: body.query,
          history: body.conversation_history ?? undefined,
          memoryEnabled: body.memory_enabled !== false,
          documentCount,
          noRetrieval: searches
            ? 'No documents uploaded - no documents loaded'
            : 'Document auto-loading was disabled',
        });
        return streamLegacyChat(ctx, reply, run, encoder, heartbeat);
      },
    );
  }
}
