import { z } from 'zod';
import {
  type ChatRequest,
  type createChatRequestSchema,
  onDisconnect,
  ragOptionsSchema,
} from '../../protocol/index.js';
import { InvalidInputError } from '../../domain-error.js';

/** Asks for the server's default model, as OpenAI clients must name one. */
export const DEFAULT_MODEL_ALIAS = 'streamforge';

/** The header that continues a stored conversation, for clients that cannot add body fields. */
export const CONVERSATION_HEADER = 'x-streamforge-conversation-id';

const contentPart = z.looseObject({
  type: z.string().describe('`text`, or `image_url` (a URL or a `data:` URL) for models that see images'),
  text: z.string().optional(),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.string().optional() }).optional(),
});

const openaiToolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const openaiMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z
    .union([z.string(), z.array(contentPart)])
    .nullable()
    .optional()
    .describe('Text, or parts (`text`; `image_url` in user messages)'),
  tool_calls: z.array(openaiToolCall).optional().describe('On an assistant message: the tools it called'),
  tool_call_id: z.string().min(1).optional().describe('On a tool message: the call it answers'),
});

/** What a `json_schema` output format names, in both OpenAI APIs. */
export const jsonSchemaSpec = {
  name: z.string().min(1),
  description: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullable().optional(),
};

/** The sampling and client fields both OpenAI APIs share. */
export const sharedSamplingFields = {
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  user: z.string().max(256).nullable().optional(),
};

const openaiTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional().describe('JSON Schema of the input'),
    strict: z.boolean().nullable().optional(),
  }),
});

/**
 * The body of `POST /v1/chat/completions`: the OpenAI request, of which StreamForge reads what applies to it
 * and accepts the rest (unknown fields included). StreamForge's memory is the stored conversation: the last
 * user message is what is sent, and earlier messages are not stored again.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export const openaiChatRequestSchema = z
  .looseObject({
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        `A StreamForge model id (\`local\`, \`openai:gpt-4o-mini\`…); \`${DEFAULT_MODEL_ALIAS}\`: the default`,
      ),
    messages: z
      .array(openaiMessage)
      .min(1)
      .describe(
        'Must end with a `user` message, the one answered; `system`/`developer` messages become the system prompt',
      ),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullable().optional() }).nullable().optional(),
    max_tokens: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .describe(
        'Deprecated by OpenAI for `max_completion_tokens`, and read the same; `MAX_OUTPUT_TOKENS` caps it',
      ),
    max_completion_tokens: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .describe(
        'The most tokens the answer may have; `MAX_OUTPUT_TOKENS` caps it. Cut: `finish_reason: "length"`',
      ),
    n: z
      .literal(1, { error: 'StreamForge generates one choice; n must be 1' })
      .nullable()
      .optional()
      .describe('One choice is all StreamForge generates'),
    ...sharedSamplingFields,
    seed: z.number().int().nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    response_format: z
      .discriminatedUnion('type', [
        z.looseObject({ type: z.literal('text') }),
        z.looseObject({ type: z.literal('json_object') }),
        z.looseObject({
          type: z.literal('json_schema'),
          json_schema: z.looseObject(jsonSchemaSpec),
        }),
      ])
      .nullable()
      .optional(),
    tools: z.array(openaiTool).max(128).nullable().optional().describe("The client's function tools"),
    tool_choice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
      ])
      .nullable()
      .optional(),
    store: z
      .boolean()
      .nullable()
      .optional()
      .describe(
        'true: store the exchange as a conversation (StreamForge then remembers it, as with `conversation_id`); otherwise the request is stateless and leaves nothing behind',
      ),
    conversation_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(`StreamForge: continue this stored conversation (or send \`${CONVERSATION_HEADER}\`)`),
    rag: ragOptionsSchema.optional().describe('StreamForge: retrieval over the uploaded documents'),
    on_disconnect: onDisconnect
      .optional()
      .describe(
        'StreamForge: here `cancel` by default, as OpenAI clients stop a generation by disconnecting',
      ),
  })
  .meta({ id: 'OpenAIChatRequest' });
export type OpenaiChatRequest = z.infer<typeof openaiChatRequestSchema>;

/**
 * The native chat request an OpenAI request stands for, checked by the native schema (message limits…) with
 * problems pointing at the OpenAI fields. Throws InvalidInputError (400).
 */
export function toChatRequest(
  body: OpenaiChatRequest,
  conversationHeader: string | undefined,
  chatSchema: ReturnType<typeof createChatRequestSchema>,
): ChatRequest {
  const last = body.messages.length - 1;
  if (body.messages[last]?.role !== 'user')
    throw invalid(`body.messages.${last}.role`, 'The last message must be the user message to answer');
  const systemAt = body.messages.flatMap((m, i) =>
    m.role === 'system' || m.role === 'developer' ? [i] : [],
  );
  const system = systemAt.map((i) => textOf(body.messages, i)).join('\n\n');
  const parsed = chatSchema.safeParse({
    message: textOf(body.messages, last),
    system: systemAt.length > 0 ? system : undefined,
    model: body.model === DEFAULT_MODEL_ALIAS ? undefined : body.model,
    conversation_id: body.conversation_id ?? conversationHeader,
    rag: body.rag,
    on_disconnect: body.on_disconnect ?? 'cancel',
    max_output_tokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
  });
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const [field] = issue.path;
    let path = `body.${issue.path.join('.')}`;
    if (field === 'message') path = `body.messages.${last}.content`;
    else if (field === 'max_output_tokens')
      path = body.max_completion_tokens != null ? 'body.max_completion_tokens' : 'body.max_tokens';
    else if (field === 'system') path = `body.messages.${systemAt[0]}.content`;
    else if (field === 'conversation_id' && body.conversation_id === undefined)
      path = `headers.${CONVERSATION_HEADER}`;
    return { path, message: issue.message };
  });
  const tooLong = parsed.error.issues.some((i) => i.path[0] === 'message' && i.code === 'too_big');
  throw new InvalidInputError(errors, tooLong);
}

/** The text of message `i`: a string, or its text parts joined; other parts (images, audio…) are refused. */
function textOf(messages: OpenaiChatRequest['messages'], i: number): string {
  const content = messages[i]?.content;
  if (typeof content === 'string') return content;
  const texts = (content ?? []).map((part, k) => {
    if (part.type !== 'text' || part.text === undefined)
      throw invalid(`body.messages.${i}.content.${k}`, `only text parts are supported, not "${part.type}"`);
    return part.text;
  });
  return texts.join('\n');
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError([{ path, message }]);
}
