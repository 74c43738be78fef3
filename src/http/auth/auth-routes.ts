import { z } from 'zod';
import { idParamsSchema, problemSchema } from '../../protocol/index.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RunNotFoundError } from '../../runs/index.js';
import type { ApiKeyStore, RunStore } from '../../store/index.js';
import { HttpProblem } from '../problem.js';
import type { Authenticator } from './authenticator.js';

const streamTokenRequest = z
  .object({
    run_id: z.string().min(1).max(64).optional().describe('The run whose events the token may read'),
    socket: z.literal(true).optional().describe('A token for opening one WebSocket (`/v1/ws?token=`)'),
  })
  .strict()
  .refine(
    (b) => (b.run_id === undefined) !== (b.socket === undefined),
    'name exactly one of run_id or socket',
  )
  .meta({ id: 'StreamTokenRequest' });

const streamToken = z.object({ token: z.string(), expires_at: z.string() }).meta({ id: 'StreamToken' });

const apiKeyInfo = z
  .object({
    id: z.string(),
    user_id: z.string(),
    name: z.string(),
    prefix: z.string(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export interface AuthRoutesOptions {
  auth: Authenticator;
  apiKeys: ApiKeyStore;
  runStore: RunStore;
}

/** Stream tokens for clients that cannot send headers, and the admin routes of API keys. */
export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (
  app,
  { auth, apiKeys, runStore },
) => {
  app.post(
    '/v1/stream-tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'A short-lived token for EventSource or WebSocket clients, which cannot send headers',
        description:
          'Pass it as `?token=` on `GET /v1/runs/{run_id}/events` (for the run it names) or on `GET /v1/ws`.',
        body: streamTokenRequest,
        response: { 201: streamToken, 400: problemSchema, 401: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const { run_id } = request.body;
      if (run_id !== undefined) {
        // Only for the user's own run; another user's run is as unknown as a wrong id.
        if (!(await runStore.get(request.userId, run_id))) {
          throw new RunNotFoundError(run_id);
        }
        return reply.code(201).send(auth.streamTokens.issue(request.userId, `run:${run_id}`));
      }
      return reply.code(201).send(auth.streamTokens.issue(request.userId, 'ws'));
    },
  );

  app.post(
    '/v1/admin/api-keys',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API key for a user (admin); the key is shown once',
        body: z.object({ user_id: z.string().min(1).max(200), name: z.string().min(1).max(200) }).strict(),
        response: { 201: apiKeyInfo.extend({ key: z.string() }), 400: problemSchema, 401: problemSchema },
      },
    },
    async (request, reply) => {
      const { key, info } = await apiKeys.create(request.body.user_id, request.body.name);
      return reply.code(201).send({ ...info, key });
    },
  );

  app.get(
    '/v1/admin/api-keys',
    {
      schema: {
        tags: ['auth'],
        summary: 'List API keys (admin); keys themselves are never shown again',
        response: { 200: z.object({ data: z.array(apiKeyInfo) }), 401: problemSchema },
      },
    },
    async () => ({ data: await apiKeys.list() }),
  );

  app.delete(
    '/v1/admin/api-keys/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API key (admin)',
        params: idParamsSchema,
        response: { 200: apiKeyInfo, 401: problemSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const info = await apiKeys.revoke(request.params.id);
      if (!info)
        throw new HttpProblem(404, 'api_key_not_found', `No API key with id "${request.params.id}".`);
      return info;
    },
  );
};
