import type { LoggedEvent } from '../protocol/index.js';
import { type Frame, PING_FRAME } from './frame.js';
import { LEGACY_RESTARTING } from './legacy-restarting.js';
import { LegacySessionAnswer } from './legacy-session-answer.js';
import { pythonJson } from './python-json.js';
import { runEventOf, type WireFormat } from './wire-format.js';

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
export function legacySessionFormat(sessionId: string): WireFormat {
  const answer = new LegacySessionAnswer(sessionId);
  return {
    encode(logged: LoggedEvent): Frame[] {
      const event = runEventOf(logged);
      switch (event.type) {
        case 'token':
          return [frame(answer.token(event.delta))];
        case 'done': {
          const { tokens, duration, speed, message_id, session_id } = answer.complete(event);
          return [
            frame({
              done: true,
              tokens,
              duration,
              speed,
              tokens_per_second: speed,
              full_response: answer.text,
              message_id,
              session_id,
              timestamp: new Date().toISOString(),
            }),
          ];
        }
        case 'error':
          // Run errors carry a human message and never internal detail.
          return [frame({ error: event.message })];
        default:
          return [];
      }
    },
    heartbeat: PING_FRAME,
    shutdown: () => [frame({ error: LEGACY_RESTARTING })],
  };
}

function frame(data: object): Frame {
  return { data: pythonJson(data) };
}
