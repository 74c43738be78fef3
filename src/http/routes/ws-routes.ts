import fastifyWebsocket from '@fastify/websocket';
import { createWsClientMessageSchema } from '../../protocol/index.js';
import type { App, AppContext } from '../app-context.js';
import { serveWsConnection } from '../serve-ws-connection.js';

/**
 * `GET /v1/ws`: one WebSocket carrying many runs. JSON text frames both ways: the client sends `chat`,
 * `cancel`, `resume` and `ping`; the server sends every run event as SSE does, tagged with `run_id` and `id`.
 */
export async function websocketRoutes(app: App, ctx: AppContext): Promise<void> {
  const { config } = ctx;
  // A frame larger than a request body may be is refused by `ws` itself (close code 1009).
  await app.register(fastifyWebsocket, { options: { maxPayload: config.bodyLimitBytes } });
  const options = {
    schema: createWsClientMessageSchema(config.maxMessageChars),
    heartbeatMs: config.sseKeepAliveMs,
    stallMs: config.subscriberStallMs,
  };
  app.get('/v1/ws', { websocket: true }, (socket, request) => {
    serveWsConnection(ctx, socket, request, options);
  });
}
