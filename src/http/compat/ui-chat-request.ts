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
 * request, and whatever the app adds with `body`. For a stored chat StreamForge keeps the history itself, so
 * only the last user message's text is read; with `tools` or `store: false` the chat is the client's and the
 * whole list is read. Of the extras, `model`, `rag` and `on_disconnect` mean what they mean in
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
    tools: z
      .record(
        z.string().regex(/^[A-Za-z_][\w-]{0,63}$/),
        z.looseObject({
          description: z.string().optional(),
          inputSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of the input'),
        }),
      )
      .optional()
      .describe(
        "The client's own tools (run in the browser: useChat's onToolCall and addToolOutput). A chat with tools is stateless: the message list is the whole context and nothing is stored",
      ),
    store: z
      .boolean()
      .optional()
      .describe(
        "false: stateless — the client's message list (text, files, tool parts) is the whole context and nothing is stored; default true, the chat id's stored conversation",
      ),
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
