import { TooManyRunsError } from '../../store/index.js';
import type { App, AppContext } from '../app-context.js';
import { registerMetrics } from '../metrics.js';
import { registerRateLimits } from './rate-limits.js';
import { registerSecurity } from './security.js';

/**
 * What stands around every route: security headers and CORS, per-user rate limits, the metrics that watch
 * runs and responses, and `GET /metrics`. Register before any route: the plugins attach to routes as they
 * are declared.
 */
export async function registerGuards(app: App, ctx: AppContext): Promise<void> {
  await registerSecurity(app, ctx.config);
  await registerRateLimits(app, ctx.config, (group) => ctx.metrics.rateLimited(group));
  ctx.metrics.observeRuns(ctx.runs, app.log);
  registerMetrics(app, ctx.metrics);
  // onError hooks run before the error handler writes the problem, so the header goes out with it.
  app.addHook('onError', async (_request, reply, error) => {
    // An answer ends, and frees its slot, within seconds.
    if (error instanceof TooManyRunsError) reply.header('retry-after', '1');
  });
}
