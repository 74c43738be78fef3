import type { LoggedEvent, Source } from '../protocol/index.js';
import { type Frame, PING_FRAME } from './frame.js';
import { LEGACY_RESTARTING } from './legacy-restarting.js';
import { pythonJson } from './python-json.js';
import { runEventOf, type WireFormat } from './wire-format.js';

/** A passage as the document-chat backend cited it. */
export interface LegacyMessageSource {
  document_id: string;
  document_name: string;
  /** StreamForge cites passages, not pages. */
  page_number: null;
  confidence: number;
  excerpt: string;
}

/**
 * `POST /chat/message/stream` of the document-chat backend (FastAPI, `data: {json}` per event):
 * - each token: `{"token": "Hello", "done": false}`;
 * - then `{"token": null, "done": true, "message_id", "conversation_id", "sources": […]}`;
 * - or, when the answer fails, `{"error": message, "done": true}`.
 */
export function legacyMessageFormat(): WireFormat {
  return {
    encode(logged: LoggedEvent): Frame[] {
      const event = runEventOf(logged);
      switch (event.type) {
        case 'token':
          return [frame({ token: event.delta, done: false })];
        case 'done':
          return [
            frame({
              token: null,
              done: true,
              message_id: event.message_id,
              conversation_id: event.conversation_id,
              sources: (event.sources ?? []).map(toLegacySource),
            }),
          ];
        case 'error':
          return [frame({ error: event.message, done: true })];
        default:
          return [];
      }
    },
    heartbeat: PING_FRAME,
    shutdown: () => [frame({ error: LEGACY_RESTARTING, done: true })],
  };
}

export function toLegacySource(s: Source): LegacyMessageSource {
  return {
    document_id: s.document_id,
    document_name: s.title,
    page_number: null,
    confidence: s.score,
    excerpt: s.snippet,
  };
}

function frame(data: Record<string, unknown>): Frame {
  return { data: pythonJson(data) };
}
