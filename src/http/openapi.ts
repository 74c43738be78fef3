import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { App } from './app.js';

/** The OpenAPI document, generated from the routes' zod schemas, at `/openapi.json`; Swagger UI at `/docs`. */
export async function registerOpenApi(app: App, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'StreamForge',
        version,
        description:
          'Streaming chat backend. Answers stream as Server-Sent Events; errors are RFC 9457 problem documents.',
      },
      tags: [
        { name: 'chat', description: 'Send messages, stream answers' },
        { name: 'conversations', description: 'Stored conversations' },
        { name: 'models', description: 'Configured language models' },
        { name: 'documents', description: 'Uploaded documents and retrieval' },
        { name: 'legacy', description: 'APIs of the earlier systems StreamForge replaces' },
        { name: 'runs', description: 'Generations that outlive their connection: status, resume, cancel' },
        { name: 'service', description: 'Health and discovery' },
      ],
    },
    transform: (input) => withCommonRefusals(jsonSchemaTransform(input)),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** Routes that need neither the database nor the run log (they answer whatever state those are in). */
const SELF_CONTAINED = new Set(['/health', '/ready', '/metrics', '/openapi.json', '/docs']);

/**
 * Refusals every route shares, documented once here rather than on each route, in the error shape of the
 * route's family (the one its own 400 or 404 uses): 503 (`database_unavailable`, `run_log_unavailable`, with
 * Retry-After) on each route that needs PostgreSQL or Redis, and 400 `invalid_request` on each route that takes
 * input (a malformed id, a position that is not a decimal integer, text holding U+0000).
 */
function withCommonRefusals<T extends { schema: unknown; url: string }>(out: T): T {
  const schema = out.schema as
    | {
        hide?: boolean;
        response?: Record<string, unknown>;
        params?: unknown;
        querystring?: unknown;
        body?: unknown;
      }
    | undefined;
  const path = out.url.split('?')[0] ?? out.url;
  if (!schema?.response || schema.hide || SELF_CONTAINED.has(path) || path.startsWith('/ui')) return out;
  const response = schema.response;
  const family = response['400'] ?? response['404'];
  const shaped = (description: string) => ({
    ...(family && typeof family === 'object' ? family : { $ref: '#/components/schemas/Problem' }),
    description,
  });
  if (!response['400'] && (schema.params || schema.querystring || schema.body))
    response['400'] = shaped("The request is malformed (invalid_request): see the problem's errors");
  if (!response['503'])
    response['503'] = shaped(
      'PostgreSQL or Redis is unavailable for now (database_unavailable, run_log_unavailable); retry after Retry-After seconds',
    );
  return out;
}
