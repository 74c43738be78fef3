import type {
  LanguageModelV3,
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3ToolChoice,
} from '@ai-sdk/provider';
import type { CallSettings } from '../../chat/index.js';
import { InvalidInputError } from '../../domain-error.js';
import type { ResolvedModel } from '../../models/index.js';
import type { CompletionRequest } from '../../turns/index.js';
import type { OpenaiChatRequest } from './openai-chat-request.js';

/** A stateless completion's request in the model's terms. */
export interface CompletionInput {
  /** The `system`/`developer` messages joined; undefined: the server's prompt. */
  system: string | undefined;
  /** Every other message, in order, as the model reads them. */
  messages: LanguageModelV3Message[];
  /** The last user message's text: what the question's language is told from. */
  lastUserText: string;
  settings: CallSettings;
  tools: LanguageModelV3FunctionTool[] | undefined;
  providerOptions: Record<string, Record<string, string | boolean>>;
  maxOutputTokens: number | undefined;
}

/** The stateless completion a converted request starts, for `TurnStarter.startCompletion`. */
export function completionRequestOf(
  input: CompletionInput,
  o: Pick<CompletionRequest, 'userId' | 'model' | 'onDisconnect' | 'log'> & {
    record?: CompletionRequest['turn']['record'];
  },
): CompletionRequest {
  return {
    userId: o.userId,
    model: o.model,
    system: input.system,
    messages: input.messages,
    lastUserText: input.lastUserText,
    turn: {
      settings: input.settings,
      tools: input.tools,
      providerOptions: input.providerOptions,
      maxOutputTokens: input.maxOutputTokens,
      ...(o.record ? { record: o.record } : {}),
    },
    onDisconnect: o.onDisconnect,
    ...(o.log ? { log: o.log } : {}),
  };
}

/**
 * What each kind of model cannot do with a request's fields: a field it cannot honour is refused with a 400
 * that names it, never dropped. Providers not listed (OpenAI, OpenAI-compatible servers, Ollama, Gemini)
 * take them all.
 */
const CANNOT: Record<string, { fields: readonly string[]; why: string }> = {
  local: {
    fields: [
      'temperature',
      'top_p',
      'presence_penalty',
      'frequency_penalty',
      'response_format',
      'tools',
      'images',
      'files',
    ],
    why: 'the `local` model is extractive and deterministic: it quotes your documents and StreamForge’s, calls no client tools, writes no JSON and sees no images or files; configure a real model for this',
  },
  anthropic: {
    fields: ['seed', 'presence_penalty', 'frequency_penalty'],
    why: 'Anthropic models do not take this parameter',
  },
};

/** Throws the 400 for a field `model` cannot honour (given at `path`); does nothing for one it can. */
export function refuserFor(resolved: ResolvedModel): (field: string, path?: string) => void {
  const cannot = CANNOT[kindOf(resolved.model)];
  return (field, path = `body.${field}`) => {
    if (cannot?.fields.includes(field)) throw invalid(path, `${field} is not supported here: ${cannot.why}`);
    if (field === 'images' && !resolved.seesImages)
      throw invalid(
        path,
        `images are not supported here: "${resolved.id}" is not known to take images; choose a vision model, ` +
          'or list this one in VISION_MODELS if it takes them',
      );
  };
}

/** The kind of model for `CANNOT`: `local`, `anthropic`, or another provider. */
function kindOf(model: LanguageModelV3): string {
  return model.provider.split('.')[0] ?? model.provider;
}

/**
 * Turns an OpenAI Chat Completions request into the model's prompt, settings and tools, checking it against
 * what the chosen model can do. Throws InvalidInputError (400) naming the field.
 */
export function toCompletionInput(body: OpenaiChatRequest, model: ResolvedModel): CompletionInput {
  const refuse = refuserFor(model);
  const set = <T>(field: string, value: T | null | undefined): T | undefined => {
    if (value === null || value === undefined) return undefined;
    refuse(field);
    return value;
  };

  const last = body.messages.length - 1;
  const lastRole = body.messages[last]?.role;
  if (lastRole !== 'user' && lastRole !== 'tool')
    throw invalid(`body.messages.${last}.role`, 'The last message must be a user message or a tool result');

  const systems: string[] = [];
  const messages: LanguageModelV3Message[] = [];
  // A tool result names its call; the model needs the tool's name too.
  const toolNames = new Map<string, string>();
  body.messages.forEach((m, i) => {
    const at = `body.messages.${i}`;
    if (m.role === 'system' || m.role === 'developer') {
      systems.push(m.content == null ? '' : textOnly(m.content, at));
    } else if (m.role === 'user') {
      messages.push({ role: 'user', content: userParts(m.content, at, refuse) });
    } else if (m.role === 'assistant') {
      const text = m.content == null ? '' : textOnly(m.content, at);
      const calls = (m.tool_calls ?? []).map((c, k) => {
        toolNames.set(c.id, c.function.name);
        return {
          type: 'tool-call' as const,
          toolCallId: c.id,
          toolName: c.function.name,
          input: parseArguments(c.function.arguments, `${at}.tool_calls.${k}.function.arguments`),
        };
      });
      messages.push({
        role: 'assistant',
        content: [...(text ? [{ type: 'text' as const, text }] : []), ...calls],
      });
    } else {
      const id = m.tool_call_id;
      if (!id) throw invalid(`${at}.tool_call_id`, 'A tool message must name the call it answers');
      const name = toolNames.get(id);
      if (!name) throw invalid(`${at}.tool_call_id`, `No earlier assistant message called "${id}"`);
      messages.push({
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: id,
            toolName: name,
            output: { type: 'text', value: m.content == null ? '' : textOnly(m.content, at) },
          },
        ],
      });
    }
  });

  const tools = functionTools(
    body.tools?.map((t) => t.function),
    refuse,
  );
  const format = body.response_format;
  const responseFormat = outputFormat(
    format?.type === 'json_schema' ? { type: 'json_schema', ...format.json_schema } : format,
    refuse,
    'body.response_format',
  );
  const stop = set('stop', body.stop);
  const lastUser = body.messages.findLast((m) => m.role === 'user');

  return {
    system: systems.length > 0 ? systems.join('\n\n') : undefined,
    messages,
    lastUserText: lastUser?.content == null ? '' : textOf(lastUser.content),
    settings: {
      temperature: set('temperature', body.temperature),
      topP: set('top_p', body.top_p),
      seed: set('seed', body.seed),
      stopSequences: stop === undefined ? undefined : typeof stop === 'string' ? [stop] : stop,
      presencePenalty: set('presence_penalty', body.presence_penalty),
      frequencyPenalty: set('frequency_penalty', body.frequency_penalty),
      responseFormat,
      toolChoice: toolChoiceOf(body.tool_choice),
    },
    tools,
    providerOptions: openaiOptions(body),
    maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
  };
}

/** A client's function tools as the model takes them; undefined when there are none. */
export function functionTools(
  tools:
    | readonly {
        name: string;
        description?: string | null;
        parameters?: Record<string, unknown> | null;
        strict?: boolean | null;
      }[]
    | null
    | undefined,
  refuse: (field: string, path?: string) => void,
): LanguageModelV3FunctionTool[] | undefined {
  if (!tools?.length) return undefined;
  refuse('tools');
  return tools.map((t) => ({
    type: 'function',
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    inputSchema: (t.parameters ?? { type: 'object', properties: {} }) as never,
    ...(t.strict ? { strict: true } : {}),
  }));
}

/** A requested output format (JSON, or JSON that fits a schema) as the model takes it. */
export function outputFormat(
  format:
    | { type: 'text' }
    | { type: 'json_object' }
    | { type: 'json_schema'; name: string; description?: string; schema?: Record<string, unknown> }
    | null
    | undefined,
  refuse: (field: string, path?: string) => void,
  path: string,
): CallSettings['responseFormat'] {
  if (!format || format.type === 'text') return undefined;
  refuse('response_format', path);
  if (format.type === 'json_object') return { type: 'json' };
  return {
    type: 'json',
    name: format.name,
    ...(format.description ? { description: format.description } : {}),
    ...(format.schema ? { schema: format.schema as never } : {}),
  };
}

/** OpenAI's own fields that have no AI SDK setting: they go to the OpenAI provider. */
export function openaiOptions(body: {
  user?: string | null;
  parallel_tool_calls?: boolean | null;
}): Record<string, Record<string, string | boolean>> {
  const openai: Record<string, string | boolean> = {};
  if (body.user) openai.user = body.user;
  if (body.parallel_tool_calls != null) openai.parallelToolCalls = body.parallel_tool_calls;
  return Object.keys(openai).length > 0 ? { openai } : {};
}

type Content = NonNullable<OpenaiChatRequest['messages'][number]['content']>;

function textOf(content: Content): string {
  return typeof content === 'string' ? content : content.map((p) => p.text ?? '').join('\n');
}

/** Text, or text parts only (system, assistant and tool messages carry no images). */
function textOnly(content: Content, at: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((part, k) => {
      if (part.type !== 'text' || part.text === undefined)
        throw invalid(`${at}.content.${k}`, `only text parts are supported here, not "${part.type}"`);
      return part.text;
    })
    .join('\n');
}

/** A user message's parts: text, and images by URL or `data:` URL. */
function userParts(
  content: Content | null | undefined,
  at: string,
  refuse: (field: string, path?: string) => void,
): Extract<LanguageModelV3Message, { role: 'user' }>['content'] {
  if (content == null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, k) => {
    const path = `${at}.content.${k}`;
    if (part.type === 'text' && part.text !== undefined) return { type: 'text' as const, text: part.text };
    if (part.type === 'image_url' && part.image_url) {
      refuse('images', path);
      return imagePart(part.image_url.url, path);
    }
    throw invalid(path, `only text and image_url parts are supported, not "${part.type}"`);
  });
}

/** An image by http(s) URL or base64 `data:` URL, as the model reads it. */
export function imagePart(url: string, path: string) {
  const data = /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/=\s]+)$/.exec(url);
  if (data?.[1] && data[2]) {
    if (!data[1].startsWith('image/'))
      throw invalid(`${path}.image_url.url`, 'A data URL here must hold an image');
    return { type: 'file' as const, mediaType: data[1], data: data[2].replace(/\s/g, '') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`${path}.image_url.url`, 'Must be an http(s) URL or a base64 data: URL of an image');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw invalid(`${path}.image_url.url`, 'Must be an http(s) URL or a base64 data: URL of an image');
  return { type: 'file' as const, mediaType: 'image/*', data: parsed };
}

function toolChoiceOf(choice: OpenaiChatRequest['tool_choice']): LanguageModelV3ToolChoice | undefined {
  if (!choice) return undefined;
  if (typeof choice === 'string') return { type: choice };
  return { type: 'tool', toolName: choice.function.name };
}

export function parseArguments(text: string, path: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw invalid(path, 'Must be JSON text');
  }
}

export function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError([{ path, message }]);
}
