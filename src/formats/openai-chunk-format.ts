import type {
  LoggedEvent,
  OpenaiChatCompletionChunk,
  OpenaiError,
  StreamforgeInfo,
} from '../protocol/index.js';
import { DONE_FRAME, type Frame, PING_FRAME } from './frame.js';
import { completionId, toOpenaiFinishReason, toOpenaiUsage } from './openai-fields.js';
import { runEventOf, type WireFormat } from './wire-format.js';

export interface OpenaiChunkOptions {
  runId: string;
  conversationId: string | null;
  /** Unix seconds, the same on every chunk. */
  created: number;
  /** `stream_options.include_usage`: `usage: null` on every chunk, then a chunk with only the usage. */
  includeUsage: boolean;
}

/** What an OpenAI client is told when the server stops mid-answer: it cannot resume, so it raises this. */
export const OPENAI_RESTARTING: OpenaiError = {
  message: 'The server is restarting; send the request again.',
  type: 'server_error',
  param: null,
  code: 'server_restarting',
};

/**
 * The `data:` lines of an OpenAI chat completion stream: the assistant role (from `start`), one chunk per
 * `token`, the finishing chunk (from `done`, with the sources), the usage chunk when asked for, and `[DONE]`.
 * An `error` becomes an OpenAI error object, which OpenAI clients raise as an APIError. Progress, sources and
 * components have no OpenAI form.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function openaiChunkFormat(o: OpenaiChunkOptions): WireFormat {
  let model = '';
  let calls = 0;
  const info = (extra: Partial<StreamforgeInfo> = {}): StreamforgeInfo => ({
    run_id: o.runId,
    conversation_id: o.conversationId,
    ...extra,
  });
  const chunk = (
    delta: OpenaiChatCompletionChunk['choices'][number]['delta'],
    finishReason: 'stop' | 'length' | 'tool_calls' | null,
    streamforge?: StreamforgeInfo,
  ): OpenaiChatCompletionChunk => ({
    id: completionId(o.runId),
    object: 'chat.completion.chunk',
    created: o.created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    // As OpenAI does: the field appears only when usage was asked for, null until the last chunk.
    ...(o.includeUsage ? { usage: null } : {}),
    ...(streamforge ? { streamforge } : {}),
  });

  return {
    encode(logged: LoggedEvent): Frame[] {
      const event = runEventOf(logged);
      switch (event.type) {
        case 'start':
          model = event.model;
          return [{ data: chunk({ role: 'assistant', content: '' }, null, info()) }];
        case 'token':
          return [{ data: chunk({ content: event.delta }, null) }];
        case 'tool_call':
          // One chunk per call, whole: OpenAI clients accumulate a call's fields by its index.
          return [
            {
              data: chunk(
                {
                  tool_calls: [
                    {
                      index: calls++,
                      id: event.tool_call_id,
                      type: 'function',
                      function: { name: event.name, arguments: event.arguments },
                    },
                  ],
                },
                null,
              ),
            },
          ];
        case 'done': {
          const done = info({
            ...(event.message_id ? { message_id: event.message_id } : {}),
            cost_usd: event.usage.cost_usd,
            ...(event.sources ? { sources: event.sources } : {}),
          });
          const frames: Frame[] = [{ data: chunk({}, toOpenaiFinishReason(event.finish_reason), done) }];
          if (o.includeUsage)
            frames.push({ data: { ...chunk({}, null), choices: [], usage: toOpenaiUsage(event.usage) } });
          return frames;
        }
        case 'error':
          return [
            {
              data: {
                error: { message: event.message, type: 'server_error', param: null, code: event.code },
              },
            },
          ];
        default:
          return [];
      }
    },
    heartbeat: PING_FRAME,
    trailer: [DONE_FRAME],
    shutdown: () => [{ data: { error: OPENAI_RESTARTING } }, DONE_FRAME],
  };
}
