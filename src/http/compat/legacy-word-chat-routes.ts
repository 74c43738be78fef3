import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { legacyWordFormat } from '../../formats/index.js';
import { problemSchema } from '../../protocol/index.js';
import { answeringOf } from '../delivery/http-delivery.js';
import type { LegacyRoutesOptions } from './legacy-routes-options.js';
import { chatHealthSchema, createWordChatSchema } from './legacy-schemas.js';

/**
 * The first StreamForge (FastAPI, phase 0–3): `POST /chat` {message} streams the answer word by word as
 * `data: <word>` events; `GET /chat/health` says the chat service is up.
 */
export const legacyWordChatRoutes: FastifyPluginAsyncZod<LegacyRoutesOptions> = async (app, o) => {
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
        body: createWordChatSchema(o.maxMessageChars),
        response: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: z.string().describe('data: <word>') } },
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
      const started = await o.turns.start({
        kind: 'message',
        userId: request.userId,
        message: request.body.message,
        log: request.log,
      });
      return o.delivery.stream(reply, answeringOf(started), legacyWordFormat());
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
};
