import { modelListSchema } from '../../protocol/index.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ModelRegistry } from '../../models/index.js';

export interface ModelRoutesOptions {
  models: ModelRegistry;
  /** Named system prompts, by name. */
  systemTemplates: Readonly<Record<string, string>>;
}

/** `GET /v1/models`: the configured models in the OpenAI list shape, and the system prompt templates. */
export const modelRoutes: FastifyPluginAsyncZod<ModelRoutesOptions> = async (
  app,
  { models, systemTemplates },
) => {
  // Fixed at start; `created` is when this server started, as OpenAI clients only need a number.
  const created = Math.floor(Date.now() / 1000);
  app.get(
    '/v1/models',
    {
      schema: {
        tags: ['models'],
        summary: 'The models this server is configured for (OpenAI list shape)',
        response: { 200: modelListSchema },
      },
    },
    async () => ({
      object: 'list' as const,
      data: models.list().map((m) => ({
        id: m.id,
        object: 'model' as const,
        created,
        owned_by: m.provider,
        default: m.id === models.defaultModel,
      })),
      default_model: models.defaultModel,
      providers: models.providerIds(),
      system_templates: Object.keys(systemTemplates),
    }),
  );
};
