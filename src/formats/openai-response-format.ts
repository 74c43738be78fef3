import type { DoneEvent, ErrorEvent, LoggedEvent, ToolCallEvent, Usage } from '../protocol/index.js';
import type { AnswerFailure, FoldedAnswer } from './answer-fold.js';
import type { Frame } from './frame.js';
import { runEventOf, type WireFormat } from './wire-format.js';

/** What a Response says about the request that made it, besides its output. */
export interface ResponseMeta {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  previousResponseId: string | null;
  /** Request fields echoed back as OpenAI does (instructions, tools, temperature, store, metadata…). */
  echo: Record<string, unknown>;
}

/** The items of a response's output: the assistant's message (when it wrote text), then its function calls. */
export function outputItems(id: string, text: string, calls: readonly ToolCallEvent[]): OutputItem[] {
  const message: OutputItem[] =
    text !== '' || calls.length === 0
      ? [
          {
            type: 'message',
            id: messageItemId(id),
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text, annotations: [] }],
          },
        ]
      : [];
  return [...message, ...calls.map(functionCallItem)];
}

export type OutputItem =
  | {
      type: 'message';
      id: string;
      status: 'completed' | 'in_progress';
      role: 'assistant';
      content: { type: 'output_text'; text: string; annotations: [] }[];
    }
  | {
      type: 'function_call';
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: 'completed';
    };

/** How a run ended, as far as its Response says. */
export type RunEnd = Pick<DoneEvent, 'type' | 'finish_reason' | 'usage'> | ErrorEvent;

/** A Response object in the OpenAI shape. @see https://platform.openai.com/docs/api-reference/responses/object */
export function responseObject(
  meta: ResponseMeta,
  model: string,
  state: { status: 'in_progress' | 'completed' | 'incomplete' | 'failed'; output: OutputItem[] },
  end?: RunEnd,
) {
  return {
    id: meta.id,
    object: 'response' as const,
    created_at: meta.createdAt,
    status: state.status,
    model,
    output: state.output,
    previous_response_id: meta.previousResponseId,
    error: end?.type === 'error' ? { code: end.code, message: end.message } : null,
    incomplete_details:
      end?.type === 'done' && end.finish_reason === 'length' ? { reason: 'max_output_tokens' } : null,
    usage: end?.type === 'done' ? usageOf(end.usage) : null,
    ...meta.echo,
  };
}

function usageOf(usage: Usage) {
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.input_tokens + usage.output_tokens,
  };
}

const messageItemId = (responseId: string) => `msg_${responseId.replace(/^resp_/, '')}`;

function functionCallItem(call: ToolCallEvent): OutputItem {
  return {
    type: 'function_call',
    id: `fc_${call.tool_call_id}`,
    call_id: call.tool_call_id,
    name: call.name,
    arguments: call.arguments,
    status: 'completed',
  };
}

/** A Response's status at the run's end: cut at the token limit is `incomplete`. */
export function statusOf(end: RunEnd): 'completed' | 'incomplete' | 'failed' {
  if (end.type === 'error') return 'failed';
  return end.finish_reason === 'length' ? 'incomplete' : 'completed';
}

/** A non-streaming `POST /v1/responses`: the folded run as one Response, or why there is none. */
export function responseOf(answer: FoldedAnswer, meta: ResponseMeta): object | AnswerFailure {
  const end = answer.end;
  if (end?.type === 'error') return { code: end.code, message: end.message };
  if (!end) return { code: 'cancelled', message: 'The run ended before it finished.' };
  return responseObject(
    meta,
    answer.start?.model ?? '',
    { status: statusOf(end), output: outputItems(meta.id, answer.content, answer.toolCalls) },
    end,
  );
}

/**
 * The Responses API's semantic event stream: `response.created` and `response.in_progress`, the message item
 * (`output_item.added`, `content_part.added`, one `output_text.delta` per token, then the `.done` events), a
 * `function_call` item per call of the client's tools (its arguments in one `function_call_arguments.delta`),
 * and `response.completed` (`response.incomplete` when cut at the token limit, `response.failed` on an error)
 * with the whole Response. Each event is `event: <type>` with its `sequence_number`; there is no `[DONE]`.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function openaiResponseFormat(meta: ResponseMeta): WireFormat {
  let sequence = 0;
  let model = '';
  let text = '';
  let messageOpen = false;
  const calls: ToolCallEvent[] = [];
  const output: OutputItem[] = [];
  const event = (type: string, data: object): Frame => ({
    event: type,
    data: { type, sequence_number: sequence++, ...data },
  });
  const messageId = messageItemId(meta.id);
  const closeMessage = (): Frame[] => {
    if (!messageOpen) return [];
    messageOpen = false;
    const part = { type: 'output_text', text, annotations: [] };
    const item = outputItems(meta.id, text, [])[0] as OutputItem;
    output.push(item);
    const at = { item_id: messageId, output_index: output.length - 1, content_index: 0 };
    return [
      event('response.output_text.done', { ...at, text, logprobs: [] }),
      event('response.content_part.done', { ...at, part }),
      event('response.output_item.done', { output_index: output.length - 1, item }),
    ];
  };
  const openMessage = (): Frame[] => {
    if (messageOpen) return [];
    messageOpen = true;
    const index = output.length;
    return [
      event('response.output_item.added', {
        output_index: index,
        item: { type: 'message', id: messageId, status: 'in_progress', role: 'assistant', content: [] },
      }),
      event('response.content_part.added', {
        item_id: messageId,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      }),
    ];
  };

  return {
    encode(logged: LoggedEvent): Frame[] {
      const e = runEventOf(logged);
      switch (e.type) {
        case 'start': {
          model = e.model;
          const response = responseObject(meta, model, { status: 'in_progress', output: [] });
          return [event('response.created', { response }), event('response.in_progress', { response })];
        }
        case 'token': {
          const frames = openMessage();
          text += e.delta;
          frames.push(
            event('response.output_text.delta', {
              item_id: messageId,
              output_index: output.length,
              content_index: 0,
              delta: e.delta,
              logprobs: [],
            }),
          );
          return frames;
        }
        case 'tool_call': {
          const frames = closeMessage();
          calls.push(e);
          const item = functionCallItem(e);
          const index = output.length;
          output.push(item);
          const added = { ...item, arguments: '', status: 'in_progress' };
          frames.push(
            event('response.output_item.added', { output_index: index, item: added }),
            event('response.function_call_arguments.delta', {
              item_id: item.id,
              output_index: index,
              delta: e.arguments,
            }),
            event('response.function_call_arguments.done', {
              item_id: item.id,
              output_index: index,
              arguments: e.arguments,
            }),
            event('response.output_item.done', { output_index: index, item }),
          );
          return frames;
        }
        case 'done':
        case 'error': {
          // An answer with neither text nor calls still has its (empty) message, as a Response always does.
          const frames = e.type === 'done' && output.length === 0 && !messageOpen ? openMessage() : [];
          frames.push(...closeMessage());
          const status = statusOf(e);
          const response = responseObject(meta, model, { status, output: [...output] }, e);
          const type =
            status === 'completed'
              ? 'response.completed'
              : status === 'incomplete'
                ? 'response.incomplete'
                : 'response.failed';
          frames.push(event(type, { response }));
          return frames;
        }
        default:
          return [];
      }
    },
    heartbeat: { comment: 'ping' },
    shutdown: () => [
      event('error', {
        code: 'server_restarting',
        message: 'The server is restarting; send the request again.',
        param: null,
      }),
    ],
  };
}
