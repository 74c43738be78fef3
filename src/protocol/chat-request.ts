import { z } from 'zod';
import { ragOptionsSchema, sourceSchema } from './documents.js';
import { finishReason, metricsSchema, usageSchema } from './events.js';
import { onDisconnect } from './runs.js';

/** @default 32000 — see `MAX_MESSAGE_CHARS` */
export const DEFAULT_MAX_MESSAGE_CHARS = 32_000;

/** The body of `POST /v1/chat`; the message limit comes from configuration. */
export function createChatRequestSchema(maxMessageChars: number) {
  return z
    .object({
      message: z
        .string()
        .trim()
        .min(1, 'message must not be empty')
        .max(maxMessageChars, `message must be at most ${maxMessageChars} characters`)
        .describe('The user message'),
      conversation_id: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe('Continue this conversation; omitted: a new one is created'),
      model: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe('Model id, e.g. `local`; default `DEFAULT_MODEL`'),
      system: z
        .string()
        .max(maxMessageChars)
        .optional()
        .describe("System prompt for this request, instead of the server's"),
      system_template: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .describe(
          'Name of a configured system prompt template (see `GET /v1/models`), instead of the server prompt',
        ),
      rag: ragOptionsSchema.optional().describe('Retrieval over the uploaded documents'),
      max_output_tokens: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .describe(
          'The most tokens the answer may have (`MAX_OUTPUT_TOKENS` caps it too); an answer cut there ends with `finish_reason: "length"`',
        ),
      on_disconnect: onDisconnect.optional(),
      stream: z
        .boolean()
        .optional()
        .describe(
          'false: answer with one JSON document instead of an event stream (as `Accept: application/json`)',
        ),
    })
    .strict()
    .meta({ id: 'ChatRequest' });
}
export type ChatRequest = z.infer<ReturnType<typeof createChatRequestSchema>>;

/** The body of `POST /v1/conversations/{id}/regenerate`: a chat request's options, without a message. */
export function createRegenerateRequestSchema(maxMessageChars: number) {
  return createChatRequestSchema(maxMessageChars)
    .omit({ message: true, conversation_id: true })
    .optional()
    .meta({ id: 'RegenerateRequest' });
}

/** The whole reply of a non-streaming chat. */
export const chatReplySchema = z
  .object({
    run_id: z.string(),
    conversation_id: z.string(),
    user_message_id: z.string(),
    message_id: z.string(),
    model: z.string(),
    content: z.string(),
    finish_reason: finishReason,
    usage: usageSchema,
    metrics: metricsSchema,
    sources: z.array(sourceSchema),
  })
  .meta({ id: 'ChatReply' });
export type ChatReply = z.infer<typeof chatReplySchema>;
