import { z } from 'zod';

// The request bodies of the earlier systems' APIs. Not strict: their clients send fields of their own
// (`memory_enabled`, `agent_id`…), which are ignored. Optional fields also take null, as pydantic's did.

/** A legacy `session_id`, as the Socket.IO API takes it. */
export const sessionId = z.string().min(1).max(128);
export const sessionParams = z.object({ id: sessionId });

function text(field: string, maxChars: number) {
  return z
    .string()
    .trim()
    .min(1, `${field} must not be empty`)
    .max(maxChars, `${field} must be at most ${maxChars} characters`);
}

/** `POST /chat` of the first StreamForge. */
export function createWordChatSchema(maxMessageChars: number) {
  return z.object({ message: text('message', maxMessageChars) }).meta({ id: 'LegacyWordChatRequest' });
}

/** `POST /chat/stream` and `POST /fast_chat/stream` of the Jacie document chat. */
export function createProgressChatSchema(maxMessageChars: number) {
  return z
    .object({
      query: text('query', maxMessageChars).describe('The question'),
      auto_load_documents: z
        .boolean()
        .nullish()
        .describe("Search the user's documents (default true); false answers without them"),
      memory_enabled: z
        .boolean()
        .nullish()
        .describe('Return `conversation_history` extended by this turn (default true)'),
      conversation_history: z
        .array(z.object({ role: z.string().max(20), content: z.string().max(maxMessageChars) }))
        .max(200)
        .nullish()
        .describe('Earlier turns, echoed back in the result; the model does not see them'),
    })
    .meta({ id: 'LegacyProgressChatRequest' });
}

/** `POST /api/chat/stream` of the assistant backend with sessions. */
export function createSessionChatSchema(maxMessageChars: number) {
  return z
    .object({
      message: text('message', maxMessageChars),
      session_id: sessionId
        .nullish()
        .describe('Names the conversation; omitted or unknown: a new one, whose session id comes back'),
    })
    .meta({ id: 'LegacySessionChatRequest' });
}

/** `POST /chat/message/stream` of the document-chat backend. */
export function createMessageStreamSchema(maxMessageChars: number) {
  return z
    .object({
      message: text('message', maxMessageChars),
      conversation_id: z.string().min(1).max(64).nullish().describe('Continue this conversation'),
      document_ids: z
        .array(z.string().min(1).max(64))
        .max(100)
        .nullish()
        .describe('Search only these documents'),
    })
    .meta({ id: 'LegacyMessageStreamRequest' });
}

export const chatHealthSchema = z
  .object({ service: z.literal('chat'), status: z.literal('healthy'), streaming: z.literal('enabled') })
  .meta({ id: 'LegacyChatHealth' });

export const sessionInfoSchema = z
  .object({
    session_id: z.string(),
    conversation_id: z.string().describe('The conversation behind the session, also at /v1/conversations'),
    messages: z.number().int().describe('Messages in the session, user and assistant'),
    created_at: z.string().describe('ISO 8601'),
    timestamp: z.string().describe('ISO 8601: the last activity'),
  })
  .meta({ id: 'LegacySessionInfo' });

export const sessionDeletedSchema = z
  .object({ success: z.literal(true), message: z.string() })
  .meta({ id: 'LegacySessionDeleted' });

export const apiStatusSchema = z
  .object({
    status: z.literal('online'),
    streaming: z.literal('enabled'),
    default_model: z.string(),
    timestamp: z.string().describe('ISO 8601'),
  })
  .meta({ id: 'LegacyApiStatus' });
