import { z } from 'zod';
import { componentEvent } from './components.js';
import { sourceSchema } from './documents.js';

/**
 * Every event a run emits. The wire formats (SSE, JSON, later WebSocket and compat APIs) are encoders
 * over these; the `type` field is the discriminator and is repeated as the SSE `event:` name.
 */
/** Why a stored id can be missing. */
const STATELESS =
  'null for a stateless completion (`POST /v1/chat/completions` without `store`): nothing is stored';

export const startEvent = z
  .object({
    type: z.literal('start'),
    run_id: z.string(),
    conversation_id: z.string().nullable().describe(STATELESS),
    user_message_id: z.string().nullable().describe(STATELESS),
    assistant_message_id: z.string().nullable().describe(STATELESS),
    model: z.string(),
    language: z
      .string()
      .nullable()
      .describe(
        "ISO 639-1 code of the user's language, which the model is told to answer in; null if unsure",
      ),
  })
  .meta({ id: 'StartEvent' });

export const progressStatus = z.enum(['started', 'completed', 'failed', 'skipped']);
export const progressEvent = z
  .object({
    type: z.literal('progress'),
    step: z.string().describe('Machine name of the step, e.g. `history`, `generate`'),
    status: progressStatus,
    label: z.string().describe('Human label to show, e.g. "Generating answer"'),
    elapsed_ms: z.number().describe('Milliseconds since the run started'),
    relevance: z
      .number()
      .optional()
      .describe("On the completed `search` step: the best passage's share of the question's weight (0–1)"),
    grounded: z
      .boolean()
      .optional()
      .describe(
        'On the completed `search` step: whether the documents cover the question (relevance above the floor, 0.5); when false, no sources are given',
      ),
  })
  .meta({ id: 'ProgressEvent' });

export const tokenEvent = z
  .object({ type: z.literal('token'), delta: z.string() })
  .meta({ id: 'TokenEvent' });

export const sourcesEvent = z
  .object({
    type: z.literal('sources'),
    sources: z.array(sourceSchema).describe('The passages the answer may cite, before its first token'),
  })
  .meta({ id: 'SourcesEvent' });

export const usageSchema = z
  .object({
    input_tokens: z.number().int().describe('As reported by the provider'),
    output_tokens: z.number().int().describe('As reported by the provider'),
    cost_usd: z.number().nullable().describe("From the model's price; null when the model has no price"),
  })
  .meta({ id: 'Usage' });

export const metricsSchema = z
  .object({
    ttft_ms: z.number().nullable().describe('Time from run start to the first token; null if none was sent'),
    duration_ms: z.number(),
    tokens_per_s: z.number().describe('Output tokens per second, measured from the first token'),
  })
  .meta({ id: 'Metrics' });

export const finishReason = z
  .enum(['stop', 'length', 'cancelled', 'tool_calls'])
  .describe("`tool_calls`: the answer ended with calls of the client's tools (`tool_call` events)");
export const doneEvent = z
  .object({
    type: z.literal('done'),
    finish_reason: finishReason,
    message_id: z.string().nullable().describe(STATELESS),
    conversation_id: z.string().nullable().describe(STATELESS),
    usage: usageSchema,
    metrics: metricsSchema,
    sources: z.array(sourceSchema).optional().describe('Repeats the `sources` event when retrieval ran'),
  })
  .meta({ id: 'DoneEvent' });

export const toolCallEvent = z
  .object({
    type: z.literal('tool_call'),
    tool_call_id: z.string(),
    name: z.string().describe("The client's tool the model calls"),
    arguments: z.string().describe('Its input, a JSON text as the model wrote it'),
  })
  .describe(
    'A call of one of the request\'s own tools (OpenAI `tools`): the client runs it and sends the result in its next request; the run ends after its calls with `finish_reason: "tool_calls"`',
  )
  .meta({ id: 'ToolCallEvent' });

export const errorEvent = z
  .object({
    type: z.literal('error'),
    code: z.string().describe('Stable machine-readable code, e.g. `model_error`'),
    message: z.string().describe('Human-readable message; never internal detail'),
    retryable: z.boolean(),
  })
  .meta({ id: 'ErrorEvent' });

export const runEvent = z
  .discriminatedUnion('type', [
    startEvent,
    progressEvent,
    sourcesEvent,
    tokenEvent,
    componentEvent,
    toolCallEvent,
    doneEvent,
    errorEvent,
  ])
  .meta({ id: 'RunEvent' });

export type StartEvent = z.infer<typeof startEvent>;
export type ProgressEvent = z.infer<typeof progressEvent>;
export type ProgressStatus = z.infer<typeof progressStatus>;
export type TokenEvent = z.infer<typeof tokenEvent>;
export type DoneEvent = z.infer<typeof doneEvent>;
export type ErrorEvent = z.infer<typeof errorEvent>;
export type ToolCallEvent = z.infer<typeof toolCallEvent>;
export type RunEvent = z.infer<typeof runEvent>;
export type { ComponentEvent } from './components.js';
export type RunEventType = RunEvent['type'];
export type Usage = z.infer<typeof usageSchema>;
export type Metrics = z.infer<typeof metricsSchema>;
export type FinishReason = z.infer<typeof finishReason>;

/** `done` and `error` end a run: nothing follows them. */
export function isTerminal(type: RunEventType): boolean {
  return type === 'done' || type === 'error';
}
