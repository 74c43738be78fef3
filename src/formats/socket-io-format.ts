import type { LoggedEvent } from '../protocol/index.js';
import type { Frame } from './frame.js';
import { LEGACY_RESTARTING } from './legacy-restarting.js';
import { LegacySessionAnswer } from './legacy-session-answer.js';
import { runEventOf, type WireFormat } from './wire-format.js';

/**
 * The older Socket.IO chat API: each `token` as `chat_token` {token, count, partial}, then `chat_complete`
 * from `done`, or `chat_error` from `error`; progress, sources and components have no form there. At shutdown
 * a `chat_error` saying the server restarts: these clients cannot resume, so they send the message again.
 */
export function socketIoFormat(sessionId: string): WireFormat {
  const answer = new LegacySessionAnswer(sessionId);
  return {
    encode(logged: LoggedEvent): Frame[] {
      const event = runEventOf(logged);
      switch (event.type) {
        case 'token':
          return [{ event: 'chat_token', data: answer.token(event.delta) }];
        case 'done':
          return [{ event: 'chat_complete', data: answer.complete(event) }];
        case 'error':
          // Run errors carry a human message and never internal detail.
          return [{ event: 'chat_error', data: { error: event.message } }];
        default:
          return [];
      }
    },
    shutdown: () => [{ event: 'chat_error', data: { error: LEGACY_RESTARTING } }],
  };
}
