import { z } from 'zod';
import { componentState } from './components.js';
import { sourceSchema } from './documents.js';
import { metricsSchema, usageSchema } from './events.js';

export const messageRole = z.enum(['user', 'assistant', 'system']);
/** `streaming` while generated; then `complete`, `cancelled` or `failed`, with the text produced so far. */
export const messageStatus = z.enum(['streaming', 'complete', 'cancelled', 'failed', 'interrupted']);

export const messageSchema = z
  .object({
    id: z.string(),
    role: messageRole,
    content: z.string(),
    status: messageStatus,
    model: z.string().nullable(),
    run_id: z.string().nullable(),
    usage: usageSchema.nullable(),
    metrics: metricsSchema.nullable(),
    components: z.array(componentState).describe("Assistant messages: each component's final state"),
    sources: z.array(sourceSchema).describe('Assistant messages: the passages the answer could cite'),
    created_at: z.string().describe('ISO 8601'),
  })
  .meta({ id: 'Message' });

export const conversationUsageSchema = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cost_usd: z.number().describe('Sum of the priced answers'),
  })
  .describe('Running totals over the conversation')
  .meta({ id: 'ConversationUsage' });

export const conversationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    usage: conversationUsageSchema,
    created_at: z.string().describe('ISO 8601'),
    updated_at: z.string().describe('ISO 8601'),
  })
  .meta({ id: 'Conversation' });

export const conversationDetailSchema = conversationSchema
  .extend({
    messages: z.array(messageSchema).describe('Oldest first'),
    active_run: z
      .object({ id: z.string(), message_id: z.string() })
      .nullable()
      .describe('The run still generating in this conversation: rejoin it at `GET /v1/runs/{id}/events`'),
  })
  .meta({ id: 'ConversationDetail' });

export const conversationPageSchema = z
  .object({
    data: z.array(conversationSchema).describe('Newest first'),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .meta({ id: 'ConversationPage' });

export const createConversationSchema = z
  .object({ title: z.string().trim().min(1).max(200).optional() })
  .strict()
  .meta({ id: 'CreateConversation' });

export const listConversationsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).optional(),
});

export type MessageRole = z.infer<typeof messageRole>;
export type MessageStatus = z.infer<typeof messageStatus>;
export type Message = z.infer<typeof messageSchema>;
export type Conversation = z.infer<typeof conversationSchema>;
export type ConversationUsage = z.infer<typeof conversationUsageSchema>;
export type ConversationDetail = z.infer<typeof conversationDetailSchema>;
export type ConversationPage = z.infer<typeof conversationPageSchema>;
