import { z } from 'zod';
import { problemSchema } from '../../protocol/index.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Lifecycle } from '../../lifecycle.js';
import type { RunRegistry } from '../../runs/index.js';
import type { Database } from '../../store/index.js';
import type { App } from '../app.js';
import { problem, sendProblem } from '../problem.js';

const serviceInfo = z
  .object({
    name: z.string(),
    version: z.string(),
    ui: z.string().describe('The web chat page'),
    docs: z.string(),
    openapi: z.string(),
    endpoints: z.array(z.object({ method: z.string(), path: z.string() })),
  })
  .meta({ id: 'ServiceInfo' });

/** What a browser opening the server's address sees. */
const HOME = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>StreamForge</title></head>
<body><h1>StreamForge</h1><ul>
<li><a href="/ui">Chat</a></li><li><a href="/docs">API documentation</a></li><li><a href="/openapi.json">OpenAPI document</a></li>
</ul></body></html>
`;

export interface Endpoint {
  method: string;
  path: string;
}

/**
 * The app's endpoints, collected as routes register (so the list never drifts from what is served). Call it
 * on the root app before any route is registered.
 */
export function collectEndpoints(app: App): readonly Endpoint[] {
  const endpoints: Endpoint[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url.startsWith('/docs') || route.url === '/openapi.json') return;
    for (const method of methods) if (method !== 'HEAD') endpoints.push({ method, path: route.url });
  });
  return endpoints;
}

export interface ServiceRoutesOptions {
  db: Database;
  runs: Pick<RunRegistry, 'ping' | 'backendKind'>;
  lifecycle: Lifecycle;
  version: string;
  endpoints: readonly Endpoint[];
}

/** Discovery, liveness and readiness. */
export const serviceRoutes: FastifyPluginAsyncZod<ServiceRoutesOptions> = async (
  app,
  { db, runs, lifecycle, version, endpoints },
) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['service'],
        summary: 'Name, version and endpoints',
        description:
          'JSON; a browser (`Accept: text/html`) gets a page linking to the chat page and the docs.',
        response: {
          200: {
            description: 'The service description, or the home page',
            content: { 'application/json': { schema: serviceInfo }, 'text/html': { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      if (request.headers.accept?.includes('text/html'))
        return reply.type('text/html; charset=utf-8').send(HOME);
      return {
        name: 'StreamForge',
        version,
        ui: '/ui',
        docs: '/docs',
        openapi: '/openapi.json',
        endpoints: [...endpoints],
      };
    },
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
        summary: 'Readiness: the database and the run log answer, and the instance is not shutting down',
        description:
          '503 `shutting_down` from the start of a graceful shutdown (while it drains, `SHUTDOWN_DRAIN_MS`), ' +
          '`database_unavailable` when the database does not answer, `run_log_unavailable` when Redis does not.',
        response: {
          200: z.object({ status: z.literal('ready'), database: z.string(), run_log: z.string() }),
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      if (!lifecycle.ready) {
        return sendProblem(reply, problem(503, 'shutting_down', 'This instance is shutting down.', '/ready'));
      }
      const [database, runLog] = await Promise.allSettled([db.query('select 1'), runs.ping()]);
      if (database.status === 'rejected') {
        request.log.warn({ err: database.reason }, 'readiness check failed: database');
        return sendProblem(
          reply,
          problem(503, 'database_unavailable', 'The database does not answer.', '/ready'),
        );
      }
      if (runLog.status === 'rejected') {
        request.log.warn({ err: runLog.reason }, 'readiness check failed: run log');
        return sendProblem(
          reply,
          problem(503, 'run_log_unavailable', 'The run log (Redis) does not answer.', '/ready'),
        );
      }
      return { status: 'ready' as const, database: db.engine, run_log: runs.backendKind };
    },
  );
};
