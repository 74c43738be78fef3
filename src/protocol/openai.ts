import { z } from 'zod';
import { sourceSchema } from './documents.js';

/** `usage` of a completion: the run's `done.usage` under OpenAI's names. */
export const openaiUsageSchema = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  })
  .meta({ id: 'OpenAIUsage' });

const openaiFinishReason = z.enum(['stop', 'length', 'tool_calls']);

/** A call of one of the request's tools, as OpenAI gives it. */
export const openaiToolCallSchema = z
  .object({
    id: z.string(),
    type: z.literal('function'),
    function: z.object({ name: z.string(), arguments: z.string().describe('JSON text') }),
  })
  .meta({ id: 'OpenAIToolCall' });

/** What StreamForge adds: where the turn is stored, and the passages `[n]` in the text points to. */
export const streamforgeInfoSchema = z
  .object({
    run_id: z.string(),
    conversation_id: z
      .string()
      .nullable()
      .describe('The stored conversation; null for a stateless completion (without `store`)'),
    message_id: z.string().optional().describe('The stored assistant message (once finished)'),
    sources: z.array(sourceSchema).optional().describe('When retrieval ran'),
    cost_usd: z.number().nullable().optional(),
  })
  .meta({ id: 'StreamForgeInfo' });

/**
 * The reply of a non-streaming `POST /v1/chat/completions`, in the OpenAI shape, plus the non-standard
 * `streamforge` member, which OpenAI clients ignore.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export const openaiChatCompletionSchema = z
  .object({
    id: z.string().describe('`chatcmpl-<run id>`'),
    object: z.literal('chat.completion'),
    created: z.number().int().describe('Unix seconds'),
    model: z.string().describe('The StreamForge model id that answered'),
    system_fingerprint: z.null(),
    choices: z.array(
      z.object({
        index: z.literal(0),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable().describe('null when the answer is only tool calls'),
          refusal: z.null(),
          tool_calls: z.array(openaiToolCallSchema).optional(),
        }),
        logprobs: z.null(),
        finish_reason: openaiFinishReason,
      }),
    ),
    usage: openaiUsageSchema,
    streamforge: streamforgeInfoSchema,
  })
  .meta({ id: 'OpenAIChatCompletion' });

/** One `data:` line of a streaming reply. @see https://platform.openai.com/docs/api-reference/chat-streaming */
export const openaiChatCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion.chunk'),
    created: z.number().int(),
    model: z.string(),
    system_fingerprint: z.null(),
    choices: z
      .array(
        z.object({
          index: z.literal(0),
          delta: z.object({
            role: z.literal('assistant').optional(),
            content: z.string().optional(),
            tool_calls: z
              .array(openaiToolCallSchema.extend({ index: z.number().int() }))
              .optional()
              .describe('Each call whole in one chunk (its `index`, `id`, name and arguments)'),
          }),
          logprobs: z.null(),
          finish_reason: openaiFinishReason.nullable(),
        }),
      )
      .describe('Empty on the usage chunk'),
    usage: openaiUsageSchema
      .nullable()
      .optional()
      .describe('With `stream_options.include_usage`: null, and set on the last chunk'),
    streamforge: streamforgeInfoSchema.optional().describe('On the first chunk and the finishing one'),
  })
  .describe(
    'Each `data:` line of the stream; after the last chunk `data: [DONE]`. A run that fails sends ' +
      '`data: {"error": {message, type, param, code}}` instead of the finishing chunk, then `data: [DONE]`.',
  )
  .meta({ id: 'OpenAIChatCompletionChunk' });

export type OpenaiUsage = z.infer<typeof openaiUsageSchema>;
export type OpenaiChatCompletion = z.infer<typeof openaiChatCompletionSchema>;
export type OpenaiChatCompletionChunk = z.infer<typeof openaiChatCompletionChunkSchema>;
export type StreamforgeInfo = z.infer<typeof streamforgeInfoSchema>;

/** The error object of the OpenAI API, which OpenAI clients read for their exception's message and code. */
export const openaiErrorSchema = z
  .object({
    message: z.string(),
    type: z.string().describe('`invalid_request_error`, `authentication_error`, `rate_limit_error`…'),
    param: z.string().nullable().describe('The first invalid field, for validation problems'),
    code: z.string().describe('The StreamForge problem code'),
  })
  .meta({ id: 'OpenAIError' });
export type OpenaiError = z.infer<typeof openaiErrorSchema>;
