import type { OpenaiChatCompletion } from '../protocol/index.js';
import { type AnswerFailure, type FoldedAnswer, finishedOrFailure } from './answer-fold.js';
import { completionId, toOpenaiFinishReason, toOpenaiUsage } from './openai-fields.js';

/** A non-streaming `POST /v1/chat/completions`: the folded run as one `chat.completion`, or why there is none. */
export function openaiCompletionOf(
  answer: FoldedAnswer,
  o: { runId: string; conversationId: string | null; created: number },
): OpenaiChatCompletion | AnswerFailure {
  const done = finishedOrFailure(answer);
  if (!('finish_reason' in done)) return done;
  return {
    id: completionId(o.runId),
    object: 'chat.completion',
    created: o.created,
    model: answer.start?.model ?? '',
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // As OpenAI: no text beside tool calls is `content: null`.
          content: answer.content === '' && answer.toolCalls.length > 0 ? null : answer.content,
          refusal: null,
          ...(answer.toolCalls.length > 0
            ? {
                tool_calls: answer.toolCalls.map((c) => ({
                  id: c.tool_call_id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: toOpenaiFinishReason(done.finish_reason),
      },
    ],
    usage: toOpenaiUsage(done.usage),
    streamforge: {
      run_id: o.runId,
      conversation_id: o.conversationId,
      ...(done.message_id ? { message_id: done.message_id } : {}),
      cost_usd: done.usage.cost_usd,
      ...(done.sources ? { sources: done.sources } : {}),
    },
  };
}
