import type { ChatReply } from '../protocol/index.js';
import { type AnswerFailure, type FoldedAnswer, finishedOrFailure } from './answer-fold.js';

/** `POST /v1/chat` with `stream: false`: the folded run as one `ChatReply`, or why there is none. */
export function chatReplyOf(answer: FoldedAnswer): ChatReply | AnswerFailure {
  const done = finishedOrFailure(answer);
  if (!('finish_reason' in done)) return done;
  const start = answer.start;
  return {
    run_id: start?.run_id ?? '',
    conversation_id: start?.conversation_id ?? done.conversation_id ?? '',
    user_message_id: start?.user_message_id ?? '',
    message_id: done.message_id ?? '',
    model: start?.model ?? '',
    content: answer.content,
    finish_reason: done.finish_reason,
    usage: done.usage,
    metrics: done.metrics,
    sources: done.sources ?? [],
  };
}
