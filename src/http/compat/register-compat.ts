import type { App, AppContext } from '../app-context.js';
import { legacyRoutes } from './legacy-routes.js';
import { openaiCompatRoutes } from './openai-compat-routes.js';
import { uiChatRoutes } from './ui-chat-routes.js';

/**
 * The wire formats of other clients, each a thin encoder over the same runs (started with startChatRun,
 * read from the run log): the Vercel AI SDK UI message stream, the OpenAI Chat Completions API, and the
 * APIs of the earlier systems StreamForge replaces.
 */
export function registerCompat(app: App, ctx: AppContext): void {
  uiChatRoutes(app, ctx);
  openaiCompatRoutes(app, ctx);
  legacyRoutes(app, ctx);
}
