import type { App, AppContext } from '../app-context.js';
import { legacyMessageChatRoutes } from './legacy-message-chat-routes.js';
import { legacyProgressChatRoutes, type ProgressChatRoutesOptions } from './legacy-progress-chat-routes.js';
import { legacySessionChatRoutes } from './legacy-session-chat-routes.js';
import { legacyWordChatRoutes } from './legacy-word-chat-routes.js';

export interface LegacyRoutesOptions {
  /** `/chat/stream` and `/fast_chat/stream`: idle time before a `heartbeat` event. */
  progress?: ProgressChatRoutesOptions;
}

/**
 * The HTTP APIs of the earlier systems StreamForge replaces, each a thin encoder over the same runs
 * (started with `startChatRun`, read from the run log), so their clients keep working unchanged:
 * - `POST /chat`, `GET /chat/health` — the first StreamForge: the answer word by word;
 * - `POST /chat/stream`, `POST /fast_chat/stream` — document chat with progress steps and a result;
 * - `POST /api/chat/stream`, `GET|DELETE /api/chat/sessions/:id`, `GET /api/status` — chat in sessions
 *   (the sessions of the Socket.IO `chat_stream` API);
 * - `POST /chat/message/stream` (and under `/api`) — tokens, then the message id and its sources.
 * Every chat route spends the `chat` rate-limit budget; bad input is a 4xx problem before anything is
 * written.
 */
export function legacyRoutes(app: App, ctx: AppContext, options: LegacyRoutesOptions = {}): void {
  legacyWordChatRoutes(app, ctx);
  legacyProgressChatRoutes(app, ctx, options.progress);
  legacySessionChatRoutes(app, ctx);
  legacyMessageChatRoutes(app, ctx);
}
