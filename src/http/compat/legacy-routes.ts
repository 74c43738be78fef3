import type { App, AppContext } from '../app-context.js';

/** Registered by registerCompat; the routes are being written. */
export function legacyRoutes(_app: App, _ctx: AppContext): void {}
