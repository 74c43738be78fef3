import type {
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3ToolResultPart,
} from '@ai-sdk/provider';
import type { ResolvedModel } from '../../models/index.js';
import { imagePart, invalid, refuserFor } from './openai-completion-turn.js';
import type { UiChatRequest } from './ui-chat-request.js';

type UiPart = UiChatRequest['messages'][number]['parts'][number];
type AssistantContent = Extract<LanguageModelV3Message, { role: 'assistant' }>['content'];
type UserContent = Extract<LanguageModelV3Message, { role: 'user' }>['content'];
type ToolContent = LanguageModelV3ToolResultPart[];

/**
 * useChat's message list as the model's context, for a stateless chat: user text and files, the assistant's
 * text and its tool calls with the outputs the client added (each step's calls, then their results), system
 * messages as the system prompt. Reasoning, sources and data parts are the page's, not the model's. Throws
 * InvalidInputError (400) for what the model cannot take.
 */
export function uiMessagesToPrompt(
  body: UiChatRequest,
  model: ResolvedModel,
): {
  system: string | undefined;
  messages: LanguageModelV3Message[];
  lastUserText: string;
  tools: LanguageModelV3FunctionTool[] | undefined;
} {
  const refuse = refuserFor(model);
  const systems: string[] = [];
  const messages: LanguageModelV3Message[] = [];
  let lastUserText = '';
  body.messages.forEach((m, i) => {
    const at = `body.messages.${i}`;
    if (m.role === 'system') {
      systems.push(textOf(m.parts));
    } else if (m.role === 'user') {
      const content = m.parts.flatMap((part, k): UserContent => {
        const path = `${at}.parts.${k}`;
        if (part.type === 'text') return [{ type: 'text' as const, text: String(part.text ?? '') }];
        if (part.type === 'file') return [filePart(part, path, refuse)];
        return [];
      });
      messages.push({ role: 'user', content });
      lastUserText = textOf(m.parts);
    } else {
      let content: AssistantContent = [];
      let results: ToolContent = [];
      const flush = () => {
        if (content.length > 0) messages.push({ role: 'assistant', content });
        if (results.length > 0) messages.push({ role: 'tool', content: results });
        content = [];
        results = [];
      };
      m.parts.forEach((part) => {
        // A new step begins after the tool results of the one before.
        if (part.type === 'step-start' && results.length > 0) flush();
        else if (part.type === 'text' && part.text) content.push({ type: 'text', text: String(part.text) });
        else if (part.type.startsWith('tool-') || part.type === 'dynamic-tool') {
          const call = toolPart(part);
          if (!call) return;
          content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.input });
          results.push({
            type: 'tool-result',
            toolCallId: call.id,
            toolName: call.name,
            output: call.output,
          });
        }
      });
      flush();
    }
  });
  const tools = body.tools
    ? (refuse('tools'),
      Object.entries(body.tools).map(([name, t]): LanguageModelV3FunctionTool => ({
        type: 'function',
        name,
        ...(t.description ? { description: t.description } : {}),
        inputSchema: t.inputSchema as never,
      })))
    : undefined;
  return { system: systems.length > 0 ? systems.join('\n\n') : undefined, messages, lastUserText, tools };
}

function textOf(parts: readonly UiPart[]): string {
  return parts
    .filter((p) => p.type === 'text')
    .map((p) => String(p.text ?? ''))
    .join('\n');
}

/** A file the user attached (`{type: 'file', mediaType, url, filename}`), by data: URL or http(s) URL. */
function filePart(part: UiPart, path: string, refuse: (field: string, path?: string) => void) {
  const url = typeof part.url === 'string' ? part.url : '';
  const mediaType = typeof part.mediaType === 'string' ? part.mediaType : '';
  if (!url || !mediaType) throw invalid(path, 'A file part needs url and mediaType');
  if (mediaType.startsWith('image/')) {
    refuse('images', path);
    return { ...imagePart(url, path), mediaType };
  }
  refuse('files', path);
  const data = /^data:[^;,]+;base64,(.*)$/s.exec(url);
  return {
    type: 'file' as const,
    mediaType,
    data: data?.[1] ?? new URL(url),
    ...(typeof part.filename === 'string' ? { filename: part.filename } : {}),
  };
}

/** A tool part the client completed (its output, or its error); undefined while it waits for one. */
function toolPart(
  part: UiPart,
): { id: string; name: string; input: unknown; output: LanguageModelV3ToolResultPart['output'] } | undefined {
  const name = part.type === 'dynamic-tool' ? String(part.toolName ?? '') : part.type.slice('tool-'.length);
  const id = typeof part.toolCallId === 'string' ? part.toolCallId : '';
  if (!id || !name) return undefined;
  if (part.state === 'output-available')
    return {
      id,
      name,
      input: part.input ?? {},
      output: { type: 'json', value: (part.output ?? null) as never },
    };
  if (part.state === 'output-error')
    return {
      id,
      name,
      input: part.input ?? {},
      output: { type: 'error-text', value: String(part.errorText ?? '') },
    };
  return undefined;
}
