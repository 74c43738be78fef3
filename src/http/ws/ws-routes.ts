import fastifyWebsocket from '@fastify/websocket';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createWsClientMessageSchema } from '../../protocol/index.js';
import { serveWsConnection, type WsConnectionOptions } from './serve-ws-connection.js';

export interface WsRoutesOptions extends Omit<WsConnectionOptions, 'schema'> {
  maxMessageChars: number;
  /** A frame larger than a request body may be is refused by `ws` itself (close code 1009). */
  maxPayloadBytes: number;
}

/**
 * `GET /v1/ws`: one WebSocket carrying many runs. JSON text frames both ways: the client sends `chat`,
 * `cancel`, `resume` and `ping`; the server sends every run event as SSE does, tagged with `run_id` and `id`.
 */
export const wsRoutes: FastifyPluginAsyncZod<WsRoutesOptions> = async (app, o) => {
  await app.register(fastifyWebsocket, {
    options: { maxPayload: o.maxPayloadBytes },
    // When the server closes, every run a socket follows has told its client where to resume already: the
    // sockets close with 1012, "service restart".
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1012, 'server restarting');
      this.websocketServer.close();
      done();
    },
  });
  const options: WsConnectionOptions = {
    turns: o.turns,
    runs: o.runs,
    runStore: o.runStore,
    follow: o.follow,
    lifecycle: o.lifecycle,
    heartbeatMs: o.heartbeatMs,
    schema: createWsClientMessageSchema(o.maxMessageChars),
  };
  app.get('/v1/ws', { websocket: true }, (socket, request) => serveWsConnection(socket, request, options));
};
