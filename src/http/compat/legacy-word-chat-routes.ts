import { z } from 'zod';
import { problemSchema } from '../../protocol/index.js';
import type { App, AppContext } from '../app-context.js';
import { startChatRun } from '../start-chat-run.js';
import { chatHealthSchema, createWordChatSchema } from './legacy-schemas.js';
import { streamLegacyChat } from './legacy-stream-run.js';
import { createWordEncoder } from './legacy-word-encoder.js';

/**
 * The first StreamForge (FastAPI, phase 0–3): `POST /chat` {message} streams the answer word by word as
 * `data: <word>` events; `GET /chat/health` says the chat service is up.
 */
export function legacyWordChatRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/chat',
    {
      config: { rateLimitGroup: 'chat' },
      schema: {
        tags: ['legacy'],
        summary: 'Earlier API: the answer word by word, one `data: <word>` event each',
        description:
          'Each word of the answer without surrounding whitespace as `data: <word>`, then the connection ' +
          'closes. A failure ends the words with `event: error` / `data: {"error": "…"}`. A new ' +
          'conversation per request.',
        body: createWordChatSchema(ctx.config.maxMessageChars),
        response: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: z.string().describe('data: <word>') } },
          },
          400: problemSchema,
          413: problemSchema,
          415: problemSchema,
          429: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { run } = await startChatRun(ctx, { message: request.body.message }, request.log, request.userId);
      return streamLegacyChat(ctx, reply, run, createWordEncoder());
    },
  );

  app.get(
    '/chat/health',
    {
      schema: {
        tags: ['legacy'],
        summary: 'Earlier API: the chat service is up and streams',
        response: { 200: chatHealthSchema },
      },
    },
    async () => ({ service: 'chat' as const, status: 'healthy' as const, streaming: 'enabled' as const }),
  );
}
