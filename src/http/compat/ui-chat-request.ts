import { z } from 'zod';
import { onDisconnect, ragOptionsSchema } from '../../protocol/index.js';

const uiMessagePart = z.looseObject({ type: z.string(), text: z.string().optional() });

const uiMessage = z.looseObject({
  id: z.string(),
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(uiMessagePart),
});

/**
 * The body `useChat`'s `DefaultChatTransport` posts: the chat id, the whole message list, what triggered the
 * request, and whatever the app adds with `body`. StreamForge keeps the history itself, so only the last
 * user message's text is read; of the extras, `model`, `rag` and `on_disconnect` mean what they mean in
 * `POST /v1/chat`, and any others are ignored.
 */
export const uiChatRequestSchema = z
  .looseObject({
    id: z.string().min(1).max(200).describe('The chat id: a conversation id, or any id the client made up'),
    messages: z
      .array(uiMessage)
      .min(1)
      .describe('UIMessage[]; the text parts of the last user message are the new message'),
    trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
    messageId: z.string().optional(),
    model: z.string().min(1).max(200).optional().describe('Model id, e.g. `local`; default `DEFAULT_MODEL`'),
    rag: ragOptionsSchema.optional().describe('Retrieval over the uploaded documents'),
    on_disconnect: onDisconnect.optional(),
  })
  .meta({ id: 'UiChatRequest' });

export type UiChatRequest = z.infer<typeof uiChatRequestSchema>;

/** The text of the last user message (its text parts, one per line), trimmed; '' when there is none. */
export function lastUserText(messages: UiChatRequest['messages']): string {
  const last = messages.findLast((m) => m.role === 'user');
  if (!last) return '';
  return last.parts
    .filter((p) => p.type === 'text')
    .map((p) => p.text ?? '')
    .join('\n')
    .trim();
}
