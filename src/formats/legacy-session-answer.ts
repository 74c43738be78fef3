import type { ChatCompletePayload, ChatTokenPayload, DoneEvent } from '../protocol/index.js';

/**
 * The answer as the assistant backend with sessions reported it, over SSE (`/api/chat/stream`) and over
 * Socket.IO (`chat_stream`) alike: each token with the count and the answer so far, then the totals.
 */
export class LegacySessionAnswer {
  #count = 0;
  #partial = '';

  constructor(readonly sessionId: string) {}

  /** The answer so far. */
  get text(): string {
    return this.#partial;
  }

  token(delta: string): ChatTokenPayload {
    this.#count++;
    this.#partial += delta;
    return { token: delta, count: this.#count, partial: this.#partial };
  }

  /** Output tokens, seconds, tokens per second, the stored assistant message and the session to continue. */
  complete(done: DoneEvent): ChatCompletePayload {
    return {
      tokens: done.usage.output_tokens,
      duration: done.metrics.duration_ms / 1000,
      speed: done.metrics.tokens_per_s,
      message_id: done.message_id ?? '',
      session_id: this.sessionId,
    };
  }
}
