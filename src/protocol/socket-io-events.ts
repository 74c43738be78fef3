import { z } from 'zod';
import { createChatRequestSchema } from './chat-request.js';

/**
 * The Socket.IO events of the older chat API (`chat_stream` in; `chat_token`, `chat_complete`,
 * `chat_error` out), kept for the clients written against it. They carry text only: a native client
 * uses `GET /v1/ws` or SSE for progress, sources and components.
 */
export function createChatStreamSchema(maxMessageChars: number) {
  // Not strict: older clients send fields of their own, which are ignored.
  return z.object({
    message: createChatRequestSchema(maxMessageChars).shape.message,
    session_id: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('Names the conversation; omitted or unknown: a new one, whose session id comes back'),
  });
}
export type ChatStreamPayload = z.infer<ReturnType<typeof createChatStreamSchema>>;

export const chatTokenPayload = z.object({
  token: z.string().describe('The text of this token'),
  count: z.number().int().describe('Tokens so far, this one included'),
  partial: z.string().describe('The answer so far'),
});
export type ChatTokenPayload = z.infer<typeof chatTokenPayload>;

export const chatCompletePayload = z.object({
  tokens: z.number().int().describe('Output tokens, as the model reported them'),
  duration: z.number().describe('Seconds the answer took'),
  speed: z.number().describe('Output tokens per second, from the first token'),
  message_id: z.string().describe('The stored assistant message'),
  session_id: z.string(),
});
export type ChatCompletePayload = z.infer<typeof chatCompletePayload>;

export const chatErrorPayload = z.object({
  error: z.string().describe('A human message; never internal detail'),
});
export type ChatErrorPayload = z.infer<typeof chatErrorPayload>;

/** What a legacy client emits. */
export interface LegacyClientEvents {
  chat_stream: (payload: unknown) => void;
}

/** What the server emits to a legacy client. */
export interface LegacyServerEvents {
  chat_token: (payload: ChatTokenPayload) => void;
  chat_complete: (payload: ChatCompletePayload) => void;
  chat_error: (payload: ChatErrorPayload) => void;
}
