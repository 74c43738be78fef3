import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { ServerSettings } from '../../config/index.js';
import type { App } from '../app.js';

/** Response headers a cross-origin script may read. */
export const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'ratelimit',
  'ratelimit-policy',
  'retry-after',
  'x-run-id',
];

/**
 * Helmet's security headers on every response, and CORS for `CORS_ORIGINS` only (none configured: no CORS
 * headers at all). Both run in `onRequest`, so the headers are on the reply before a handler hijacks it for
 * an event stream (which copies them).
 */
export async function registerSecurity(app: App, config: Pick<ServerSettings, 'corsOrigins'>): Promise<void> {
  // Before helmet's own onRoute hook, which reads the route's `helmet` option.
  app.addHook('onRoute', (route) => {
    // Swagger UI and the chat page are often opened over plain HTTP on a LAN address, where
    // upgrade-insecure-requests would send their scripts and styles to https and leave a blank page. The rest
    // of the policy stays.
    if (route.url.startsWith('/docs') || route.url.startsWith('/ui'))
      route.helmet = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };
  });
  await app.register(fastifyHelmet);

  if (config.corsOrigins.length === 0) return;
  const listed = new Set(config.corsOrigins.filter((o) => o !== '*'));
  const anyOrigin = config.corsOrigins.includes('*');
  const allowed = (origin: string, credentials: boolean): FastifyCorsOptions => ({
    origin,
    credentials,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    methods: ['GET', 'HEAD', 'POST', 'DELETE'],
    maxAge: 600,
  });
  await app.register(fastifyCors, {
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      // Credentials only ever go to a listed origin; `*` (refused at start when auth is on) gets none.
      if (origin && listed.has(origin)) callback(null, allowed(origin, true));
      else if (anyOrigin) callback(null, allowed('*', false));
      else callback(null, { origin: false });
    },
  });
}
