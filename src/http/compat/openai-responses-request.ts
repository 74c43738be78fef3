import type { LanguageModelV3Message } from '@ai-sdk/provider';
import { z } from 'zod';
import type { ResolvedModel } from '../../models/index.js';
import { onDisconnect } from '../../protocol/index.js';
import { DEFAULT_MODEL_ALIAS, jsonSchemaSpec, sharedSamplingFields } from './openai-chat-request.js';
import {
  type CompletionInput,
  functionTools,
  imagePart,
  invalid,
  openaiOptions,
  outputFormat,
  parseArguments,
  refuserFor,
} from './openai-completion-turn.js';

const inputPart = z.looseObject({
  type: z.string().describe('`input_text`, `input_image` (user) or `output_text` (assistant)'),
  text: z.string().optional(),
  image_url: z.string().optional(),
});

/** One input item: a message, a function call the model made, or its output. */
const inputItem = z
  .looseObject({
    type: z.string().optional().describe('`message` (the default), `function_call`, `function_call_output`'),
    role: z.enum(['user', 'assistant', 'system', 'developer']).optional(),
    content: z.union([z.string(), z.array(inputPart)]).optional(),
    call_id: z.string().min(1).optional(),
    name: z.string().optional(),
    arguments: z.string().optional(),
    output: z.string().optional(),
  })
  .meta({ id: 'OpenAIResponseInputItem' });
export type ResponseInputItem = z.infer<typeof inputItem>;

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1).max(64),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

/**
 * The body of `POST /v1/responses`, the OpenAI Responses API: what StreamForge reads of it (unknown fields
 * are accepted and ignored).
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export const openaiResponsesRequestSchema = z
  .looseObject({
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(`A StreamForge model id; \`${DEFAULT_MODEL_ALIAS}\`: the default`),
    input: z.union([z.string(), z.array(inputItem).min(1)]).describe('Text, or the items of the turn'),
    instructions: z.string().nullable().optional().describe('The system prompt of this response only'),
    previous_response_id: z
      .string()
      .min(1)
      .max(80)
      .nullable()
      .optional()
      .describe('Continue this stored response: its thread comes before `input`'),
    store: z.boolean().nullable().optional().describe('Keep the response to continue it (default true)'),
    stream: z.boolean().nullable().optional(),
    tools: z.array(functionTool).max(128).nullable().optional().describe('Function tools'),
    tool_choice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.looseObject({ type: z.literal('function'), name: z.string() }),
      ])
      .nullable()
      .optional(),
    ...sharedSamplingFields,
    max_output_tokens: z.number().int().positive().nullable().optional(),
    text: z
      .looseObject({
        format: z
          .discriminatedUnion('type', [
            z.looseObject({ type: z.literal('text') }),
            z.looseObject({ type: z.literal('json_object') }),
            z.looseObject({ type: z.literal('json_schema'), ...jsonSchemaSpec }),
          ])
          .optional(),
      })
      .nullable()
      .optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    on_disconnect: onDisconnect.optional().describe('StreamForge: `cancel` by default'),
  })
  .meta({ id: 'OpenAIResponsesRequest' });
export type OpenaiResponsesRequest = z.infer<typeof openaiResponsesRequestSchema>;

/** The request's input as items (a text input is one user message). */
export function inputItemsOf(body: OpenaiResponsesRequest): ResponseInputItem[] {
  return typeof body.input === 'string'
    ? [{ type: 'message', role: 'user', content: body.input }]
    : body.input;
}

/**
 * A Responses request in the model's terms: the thread so far (stored items of earlier responses) and this
 * request's items become the messages; `instructions` the system prompt. Throws InvalidInputError (400).
 */
export function toResponseInput(
  body: OpenaiResponsesRequest,
  thread: readonly ResponseInputItem[],
  model: ResolvedModel,
): CompletionInput {
  const refuse = refuserFor(model);
  const set = <T>(field: string, value: T | null | undefined): T | undefined => {
    if (value === null || value === undefined) return undefined;
    refuse(field);
    return value;
  };
  const own = inputItemsOf(body);
  const systems: string[] = body.instructions ? [body.instructions] : [];
  const messages: LanguageModelV3Message[] = [];
  const toolNames = new Map<string, string>();
  let lastUserText = '';
  const items = [
    ...thread.map((item) => ({ item, at: undefined })),
    ...own.map((item, i) => ({ item, at: i })),
  ];
  for (const { item, at: index } of items) {
    // Items of the stored thread were checked when they were sent.
    const at = index === undefined ? 'body.previous_response_id' : `body.input.${index}`;
    const type = item.type ?? 'message';
    if (type === 'function_call') {
      if (!item.call_id || !item.name) throw invalid(at, 'A function_call needs call_id and name');
      toolNames.set(item.call_id, item.name);
      const call = {
        type: 'tool-call' as const,
        toolCallId: item.call_id,
        toolName: item.name,
        input: parseArguments(item.arguments ?? '{}', `${at}.arguments`),
      };
      const previous = messages.at(-1);
      // A call right after the assistant's text is part of the same assistant message.
      if (previous?.role === 'assistant') previous.content.push(call);
      else messages.push({ role: 'assistant', content: [call] });
    } else if (type === 'function_call_output') {
      const name = item.call_id ? toolNames.get(item.call_id) : undefined;
      if (!item.call_id || !name) throw invalid(`${at}.call_id`, 'No earlier function_call has this call_id');
      messages.push({
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: item.call_id,
            toolName: name,
            output: { type: 'text', value: item.output ?? '' },
          },
        ],
      });
    } else if (type === 'message') {
      const role = item.role ?? 'user';
      const content = item.content ?? '';
      if (role === 'system' || role === 'developer') systems.push(textOf(content));
      else if (role === 'assistant')
        messages.push({ role: 'assistant', content: [{ type: 'text', text: textOf(content) }] });
      else {
        messages.push({ role: 'user', content: userParts(content, at, refuse) });
        lastUserText = textOf(content);
      }
    } else {
      throw invalid(`${at}.type`, `Items of type "${type}" are not supported`);
    }
  }
  const last = own.at(-1);
  const lastType = last?.type ?? 'message';
  if (!(lastType === 'function_call_output' || (lastType === 'message' && (last?.role ?? 'user') === 'user')))
    throw invalid(
      `body.input.${own.length - 1}`,
      'The input must end with a user message or a function_call_output',
    );

  const tools = functionTools(body.tools, refuse);
  const responseFormat = outputFormat(body.text?.format, refuse, 'body.text.format');
  const choice = body.tool_choice;
  return {
    system: systems.length > 0 ? systems.join('\n\n') : undefined,
    messages,
    lastUserText,
    settings: {
      temperature: set('temperature', body.temperature),
      topP: set('top_p', body.top_p),
      responseFormat,
      toolChoice: !choice
        ? undefined
        : typeof choice === 'string'
          ? { type: choice }
          : { type: 'tool', toolName: choice.name },
    },
    tools,
    providerOptions: openaiOptions(body),
    maxOutputTokens: body.max_output_tokens ?? undefined,
  };
}

type Content = NonNullable<ResponseInputItem['content']>;

function textOf(content: Content): string {
  return typeof content === 'string' ? content : content.map((p) => p.text ?? '').join('\n');
}

function userParts(
  content: Content,
  at: string,
  refuse: (field: string, path?: string) => void,
): Extract<LanguageModelV3Message, { role: 'user' }>['content'] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, k) => {
    const path = `${at}.content.${k}`;
    if ((part.type === 'input_text' || part.type === 'output_text') && part.text !== undefined)
      return { type: 'text' as const, text: part.text };
    if (part.type === 'input_image' && part.image_url) {
      refuse('images', path);
      return imagePart(part.image_url, path);
    }
    throw invalid(path, `only input_text and input_image parts are supported, not "${part.type}"`);
  });
}
