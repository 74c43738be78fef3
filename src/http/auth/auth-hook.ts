import type { App } from '../app.js';
import { type Authenticator, unauthorized } from './authenticator.js';

/**
 * Open to anyone: discovery, health (also the earlier APIs' health and status), docs, the web page (its API
 * calls carry the user's token) and metrics (firewall /metrics or scrape it internally).
 */
const PUBLIC =
  /^\/(?:$|health$|ready$|metrics$|openapi\.json$|docs(?:\/|$)|ui(?:\/|$)|socket\.io\/|chat\/health$|api\/status$)/;
const RUN_EVENTS = /^\/v1\/runs\/([^/]+)\/events$/;

/**
 * Sets `request.userId` on every request before any handler runs, or answers 401 (problem+json with
 * `WWW-Authenticate: Bearer`). Admin routes take the admin token; event streams and sockets also take a
 * stream token in `?token=`, valid only for the run or socket it names.
 */
export function registerAuth(app: App, auth: Authenticator): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC.test(path)) return;
    try {
      if (path.startsWith('/v1/admin/')) {
        auth.checkAdmin(request.headers.authorization);
        request.userId = 'admin';
        return;
      }
      const token = new URL(request.url, 'http://x').searchParams.get('token');
      if (token !== null && !request.headers.authorization) {
        const runId = RUN_EVENTS.exec(path)?.[1];
        if (request.method === 'GET' && runId)
          request.userId = auth.userForStreamToken(token, `run:${runId}`);
        else if (request.method === 'GET' && path === '/v1/ws')
          request.userId = auth.userForStreamToken(token, 'ws');
        else throw unauthorized();
        return;
      }
      request.userId = await auth.userFor(request.headers.authorization);
    } catch (error) {
      reply.header('www-authenticate', 'Bearer');
      throw error;
    }
  });
  // An upgrade refused before the WebSocket plugin saw it is answered in plain HTTP; its socket is ours to
  // close, or it would stay open (and hold the server's close).
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade && reply.statusCode !== 101) request.raw.socket?.destroy();
  });
}
