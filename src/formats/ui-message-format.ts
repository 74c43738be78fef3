import type { UIMessageChunk } from 'ai';
import {
  applyComponentEvent,
  type ComponentState,
  type FinishReason,
  type LoggedEvent,
  type Metrics,
  type RunEvent,
  type Usage,
} from '../protocol/index.js';
import { DONE_FRAME, PING_FRAME } from './frame.js';
import { runEventOf, type WireFormat } from './wire-format.js';

/** Metadata of the assistant message, as `start` and `finish` send it (the client merges the two). */
export interface UiMessageMetadata {
  run_id?: string;
  conversation_id?: string;
  model?: string;
  usage?: Usage;
  metrics?: Metrics;
  finish_reason?: FinishReason;
  error?: { code: string; retryable: boolean };
}

/** The data parts StreamForge adds to a UI message: `data-progress` and `data-component`. */
export type UiDataTypes = {
  progress: { step: string; status: string; label: string; elapsed_ms: number };
  component: ComponentState;
};

export type UiChunk = UIMessageChunk<UiMessageMetadata, UiDataTypes>;

/**
 * Translates a run's events, in order, into Vercel AI SDK UI message stream chunks (protocol v1). One
 * encoder per stream: it keeps the open text part and the components' merged state. A replay from the
 * first event yields the same chunks and ids, so a resumed stream rebuilds the same message.
 * @see https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol#ui-message-stream-protocol
 */
export function createUiMessageEncoder(): (event: RunEvent) => UiChunk[] {
  const components = new Map<string, ComponentState>();
  let textParts = 0;
  let openText: string | undefined;

  const endText = (): UiChunk[] => {
    if (openText === undefined) return [];
    const id = openText;
    openText = undefined;
    return [{ type: 'text-end', id }];
  };

  return (event) => {
    switch (event.type) {
      case 'start':
        return [
          {
            type: 'start',
            messageId: event.assistant_message_id ?? event.run_id,
            messageMetadata: {
              run_id: event.run_id,
              conversation_id: event.conversation_id ?? undefined,
              model: event.model,
            },
          },
          { type: 'start-step' },
        ];
      case 'progress': {
        const { step, status, label, elapsed_ms } = event;
        // One part per step: the client replaces a data part whose type and id it already holds.
        return [{ type: 'data-progress', id: `progress-${step}`, data: { step, status, label, elapsed_ms } }];
      }
      case 'sources':
        return event.sources.map((s) => ({
          type: 'source-document',
          // `[n]` in the text cites the source whose sourceId is n.
          sourceId: String(s.n),
          mediaType: 'text/plain',
          title: s.title,
          providerMetadata: {
            streamforge: {
              n: s.n,
              document_id: s.document_id,
              chunk_id: s.chunk_id,
              snippet: s.snippet,
              score: s.score,
              ...(s.page !== undefined ? { page: s.page } : {}),
            },
          },
        }));
      case 'token': {
        const chunks: UiChunk[] = [];
        if (openText === undefined) {
          openText = `text-${++textParts}`;
          chunks.push({ type: 'text-start', id: openText });
        }
        chunks.push({ type: 'text-delta', id: openText, delta: event.delta });
        return chunks;
      }
      case 'component': {
        // A new component ends the text before it, so the message's parts keep the stream's order:
        // text, component, text.
        const chunks = event.op === 'create' && !components.has(event.id) ? endText() : [];
        const state = applyComponentEvent(components, event).get(event.id);
        if (state) chunks.push({ type: 'data-component', id: state.id, data: state });
        return chunks;
      }
      case 'tool_call':
        // A call of the client's own tool (a stateless chat): useChat runs it (onToolCall) and sends its output.
        return [
          ...endText(),
          { type: 'tool-input-start', toolCallId: event.tool_call_id, toolName: event.name },
          {
            type: 'tool-input-available',
            toolCallId: event.tool_call_id,
            toolName: event.name,
            input: parseJson(event.arguments),
          },
        ];
      case 'done': {
        const metadata = { usage: event.usage, metrics: event.metrics, finish_reason: event.finish_reason };
        if (event.finish_reason === 'cancelled') {
          return [
            ...endText(),
            { type: 'message-metadata', messageMetadata: metadata },
            { type: 'abort', reason: 'cancelled' },
          ];
        }
        return [
          ...endText(),
          { type: 'finish-step' },
          {
            type: 'finish',
            finishReason: event.finish_reason === 'tool_calls' ? 'tool-calls' : event.finish_reason,
            messageMetadata: metadata,
          },
        ];
      }
      case 'error':
        return [
          ...endText(),
          {
            type: 'message-metadata',
            messageMetadata: { error: { code: event.code, retryable: event.retryable } },
          },
          { type: 'error', errorText: event.message },
        ];
    }
  };
}

/**
 * The AI SDK's UI message stream (`useChat`'s `DefaultChatTransport`): each chunk as one `data:` line of JSON,
 * no `id:` or `event:`, the protocol version in a header, `[DONE]` after the terminal chunk. A stream always
 * starts at the run's first event (a UI message is rebuilt from its `start`). The protocol has no way to say
 * "reconnect": at shutdown the stream just ends, and the client's `resume` finds the run again.
 */
export function uiMessageFormat(): WireFormat {
  const encode = createUiMessageEncoder();
  return {
    headers: { 'x-vercel-ai-ui-message-stream': 'v1' },
    encode: (event: LoggedEvent) => encode(runEventOf(event)).map((chunk) => ({ data: chunk })),
    heartbeat: PING_FRAME,
    trailer: [DONE_FRAME],
    shutdown: () => [],
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
