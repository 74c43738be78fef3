import { z } from 'zod';
import { problemSchema } from '../../protocol/index.js';
import type { App, AppContext } from '../app-context.js';
import { problem, sendProblem } from '../problem.js';

const serviceInfo = z
  .object({
    name: z.string(),
    version: z.string(),
    docs: z.string(),
    openapi: z.string(),
    endpoints: z.array(z.object({ method: z.string(), path: z.string() })),
  })
  .meta({ id: 'ServiceInfo' });

export function serviceRoutes(app: App, { db, lifecycle }: AppContext, version: string): void {
  // Collected as routes register, so the list never drifts from what is served.
  const endpoints: { method: string; path: string }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url.startsWith('/docs') || route.url === '/openapi.json') return;
    for (const method of methods) if (method !== 'HEAD') endpoints.push({ method, path: route.url });
  });

  app.get(
    '/',
    { schema: { tags: ['service'], summary: 'Name, version and endpoints', response: { 200: serviceInfo } } },
    async () => ({ name: 'StreamForge', version, docs: '/docs', openapi: '/openapi.json', endpoints }),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['service'],
        summary: 'Liveness: the process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['service'],
        summary: 'Readiness: the database answers',
        response: { 200: z.object({ status: z.literal('ready'), database: z.string() }), 503: problemSchema },
      },
    },
    async (request, reply) => {
      if (lifecycle.shuttingDown) {
        return sendProblem(reply, problem(503, 'shutting_down', 'This instance is shutting down.', '/ready'));
      }
      try {
        await db.query('select 1');
        return { status: 'ready' as const, database: db.engine };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return sendProblem(
          reply,
          problem(503, 'database_unavailable', 'The database does not answer.', '/ready'),
        );
      }
    },
  );
}
