import { z } from 'zod';

/** `GET /v1/models`: the OpenAI list shape, so OpenAI clients read it too, plus what StreamForge adds. */
export const modelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        id: z.string().describe('`local` or `provider:model`'),
        object: z.literal('model'),
        created: z.number().int(),
        owned_by: z.string().describe('The provider'),
        default: z.boolean().describe('Used when a request names no model'),
      }),
    ),
    default_model: z.string(),
    providers: z.array(z.string()).describe('Configured providers: any of their models may be requested'),
    system_templates: z.array(z.string()).describe('Names a request may pass as `system_template`'),
  })
  .meta({ id: 'ModelList' });
export type ModelList = z.infer<typeof modelListSchema>;
