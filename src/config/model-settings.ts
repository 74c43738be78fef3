import { z } from 'zod';
import { priceTableSchema } from '../models/index.js';
import { commaList, envSection, int } from './env-section.js';

/**
 * Which models answer and how a call to one is guarded. The providers themselves (`OPENAI_API_KEY`…) are
 * read by `parseProviders`, which knows each provider's variables.
 */
export const modelSettings = envSection('MODEL_', {
  /** @default local */
  DEFAULT_MODEL: z.string().min(1).default('local'),
  /** Pace of the offline `local` model; 0 streams as fast as possible. @default 20 */
  LOCAL_TOKEN_DELAY_MS: int(0, 10_000).default(20),
  /** Retries of a model call that failed with 429/5xx before its first token. @default 2 */
  MODEL_MAX_RETRIES: int(0, 10).default(2),
  /** First retry delay; doubles per retry, with jitter, unless the upstream sends Retry-After. @default 500 */
  MODEL_RETRY_BASE_MS: int(0, 60_000).default(500),
  /** Longest wait between retries. @default 8000 */
  MODEL_RETRY_MAX_MS: int(0, 300_000).default(8_000),
  /**
   * Longest a whole model call may take; 0: no cap. Off by default: a slow model writing a long answer is not
   * cut while it keeps producing tokens (MODEL_IDLE_TIMEOUT_MS guards a stalled one). @default 0
   */
  MODEL_TIMEOUT_MS: int(0, 24 * 3_600_000)
    .default(0)
    .refine((v) => v === 0 || v >= 100, 'must be 0 (no cap) or at least 100'),
  /** Longest wait for the model's next token. @default 30000 */
  MODEL_IDLE_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /** JSON: per-model prices overriding the built-in table. */
  MODEL_PRICES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return {};
      try {
        const parsed = priceTableSchema.safeParse(JSON.parse(value));
        if (parsed.success) return parsed.data;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: 'custom',
        message: 'must be JSON like {"openai:gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6}}',
      });
      return z.NEVER;
    }),
  /**
   * Models that take images besides the known vision models (gpt-4o…, Claude 3+, Gemini, llava…): comma-
   * separated ids, `*` matching any run (`ollama:qwen2-vl*,myserver:*`). Images for any other model are a 400.
   */
  VISION_MODELS: commaList(),
  /** `provider:model` that embeds documents for vector retrieval; unset: lexical retrieval only. */
  EMBEDDING_MODEL: z.string().min(3).optional(),
});
export type ModelSettings = z.infer<typeof modelSettings>;
