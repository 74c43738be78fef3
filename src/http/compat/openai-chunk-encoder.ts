import type { RunEvent } from '../../protocol/index.js';
import {
  completionId,
  type OpenaiChatCompletionChunk,
  type StreamforgeInfo,
  toOpenaiFinishReason,
  toOpenaiUsage,
} from './openai-chat-completion.js';
import type { OpenaiError } from './openai-error.js';

/** The stream's last line, after the finishing chunk (and the usage chunk) or an error. */
export const OPENAI_DONE = 'data: [DONE]\n\n';

export interface OpenaiChunkEncoderOptions {
  runId: string;
  conversationId: string;
  /** Unix seconds, the same on every chunk. */
  created: number;
  /** `stream_options.include_usage`: `usage: null` on every chunk, then a chunk with only the usage. */
  includeUsage: boolean;
}

/**
 * Encodes a run's events as the `data:` lines of an OpenAI chat completion stream: the assistant role
 * (from `start`), one chunk per `token`, the finishing chunk (from `done`), the usage chunk when asked for,
 * and `[DONE]`. An `error` becomes an OpenAI error object, which OpenAI clients raise as an APIError.
 * Progress, sources and components have no OpenAI form; the finishing chunk carries the sources.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class OpenaiChunkEncoder {
  #model = '';

  constructor(private readonly o: OpenaiChunkEncoderOptions) {}

  /** The SSE text for one event: '' for events without an OpenAI form. */
  encode(event: RunEvent): string {
    switch (event.type) {
      case 'start':
        this.#model = event.model;
        return frame(this.#chunk({ role: 'assistant', content: '' }, null, this.#info()));
      case 'token':
        return frame(this.#chunk({ content: event.delta }, null));
      case 'done': {
        const info = this.#info({
          message_id: event.message_id,
          cost_usd: event.usage.cost_usd,
          ...(event.sources ? { sources: event.sources } : {}),
        });
        let text = frame(this.#chunk({}, toOpenaiFinishReason(event.finish_reason), info));
        if (this.o.includeUsage)
          text += frame({ ...this.#chunk({}, null), choices: [], usage: toOpenaiUsage(event.usage) });
        return text + OPENAI_DONE;
      }
      case 'error':
        return this.error({ message: event.message, type: 'server_error', param: null, code: event.code });
      default:
        return '';
    }
  }

  /** Ends the stream with an error of the server's own (e.g. at shutdown). */
  error(error: OpenaiError): string {
    return frame({ error }) + OPENAI_DONE;
  }

  #chunk(
    delta: OpenaiChatCompletionChunk['choices'][number]['delta'],
    finishReason: 'stop' | 'length' | null,
    streamforge?: StreamforgeInfo,
  ): OpenaiChatCompletionChunk {
    return {
      id: completionId(this.o.runId),
      object: 'chat.completion.chunk',
      created: this.o.created,
      model: this.#model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      // As OpenAI does: the field appears only when usage was asked for, null until the last chunk.
      ...(this.o.includeUsage ? { usage: null } : {}),
      ...(streamforge ? { streamforge } : {}),
    };
  }

  #info(extra: Partial<StreamforgeInfo> = {}): StreamforgeInfo {
    return { run_id: this.o.runId, conversation_id: this.o.conversationId, ...extra };
  }
}

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
