import type { RunEvent } from '../../protocol/index.js';
import { pythonJson } from './legacy-json.js';
import { LEGACY_INTERRUPTED_MESSAGE, type LegacyEncoder } from './legacy-encoder.js';

/**
 * `POST /api/chat/stream` of the assistant backend with sessions, as its Flask handler wrote it: one
 * `data:` line of JSON per event, no `event:` or `id:`.
 * - each token: `{"token", "count", "partial"}` — the token's text, tokens so far, the answer so far;
 * - then `{"done": true, "tokens", "duration", "speed", …}` — output tokens, seconds, tokens per second
 *   (also as `tokens_per_second`, its name in the API's own reference), the whole answer as
 *   `full_response`, the stored assistant message and the session to continue;
 * - or `{"error": message}`.
 * The same fields as the Socket.IO `chat_token` / `chat_complete` / `chat_error` events of that backend.
 */
export function createSessionEncoder(sessionId: string): LegacyEncoder {
  let count = 0;
  let partial = '';
  return {
    encode(event: RunEvent): string {
      switch (event.type) {
        case 'token':
          count++;
          partial += event.delta;
          return frame({ token: event.delta, count, partial });
        case 'done':
          return frame({
            done: true,
            tokens: event.usage.output_tokens,
            duration: event.metrics.duration_ms / 1000,
            speed: event.metrics.tokens_per_s,
            tokens_per_second: event.metrics.tokens_per_s,
            full_response: partial,
            message_id: event.message_id,
            session_id: sessionId,
            timestamp: new Date().toISOString(),
          });
        case 'error':
          // Run errors carry a human message and never internal detail.
          return frame({ error: event.message });
        default:
          return '';
      }
    },
    interrupted: () => frame({ error: LEGACY_INTERRUPTED_MESSAGE }),
  };
}

function frame(data: Record<string, unknown>): string {
  return `data: ${pythonJson(data)}\n\n`;
}
