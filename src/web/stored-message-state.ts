import { emptyMessageState, type Message, type MessageState } from '../client/index.js';

/** A stored assistant message as the state its stream would have ended in, to render it the same way. */
export function storedMessageState(message: Message): MessageState {
  const status =
    message.status === 'complete'
      ? 'done'
      : message.status === 'cancelled'
        ? 'cancelled'
        : message.status === 'streaming'
          ? 'streaming'
          : 'failed';
  return {
    ...emptyMessageState(),
    run_id: message.run_id,
    message_id: message.id,
    model: message.model,
    status,
    text: message.content,
    components: message.components,
    sources: message.sources,
    usage: message.usage,
    metrics: message.metrics,
    error:
      message.status === 'interrupted'
        ? { code: 'interrupted', message: 'The answer was interrupted', retryable: true }
        : message.status === 'failed'
          ? { code: 'failed', message: 'The answer failed', retryable: true }
          : null,
  };
}
