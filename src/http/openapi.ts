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
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
