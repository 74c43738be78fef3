import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../services.js';
import type { App } from './app.js';
import { registerAuth } from './auth/auth-hook.js';
import { authRoutes } from './auth/auth-routes.js';
import { Authenticator } from './auth/authenticator.js';
import { StreamTokens } from './auth/stream-tokens.js';
import { LOCAL_USER } from './auth/user-id.js';
import { legacyMessageChatRoutes } from './compat/legacy-message-chat-routes.js';
import { legacyProgressChatRoutes } from './compat/legacy-progress-chat-routes.js';
import { legacySessionChatRoutes } from './compat/legacy-session-chat-routes.js';
import { legacyWordChatRoutes } from './compat/legacy-word-chat-routes.js';
import { openaiCompatRoutes } from './compat/openai-compat-routes.js';
import { openaiResponsesRoutes } from './compat/openai-responses-routes.js';
import { uiChatRoutes } from './compat/ui-chat-routes.js';
import { HttpDelivery } from './delivery/http-delivery.js';
import { registerRateLimits } from './guards/rate-limits.js';
import { registerSecurity } from './guards/security.js';
import { registerJsonBody } from './json-body.js';
import { registerOpenApi } from './openapi.js';
import { problem, problemFor, sendProblem, setRefusalHeaders } from './problem.js';
import { chatRoutes } from './routes/chat-routes.js';
import { registerNulGuard } from './guards/refuse-nul.js';
import { conversationRoutes } from './routes/conversation-routes.js';
import { documentRoutes } from './routes/document-routes.js';
import { metricsRoutes, problemCode } from './routes/metrics-routes.js';
import { modelRoutes } from './routes/model-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { collectEndpoints, serviceRoutes } from './routes/service-routes.js';
import { webRoutes } from './routes/web-routes.js';
import { trackSilentConnections } from './silent-connections.js';
import { attachSocketIo } from './socket-io/attach-socket-io.js';
import { wsRoutes } from './ws/ws-routes.js';

/** The transports over the services: the Fastify app (HTTP and WebSocket) and Socket.IO on its server. */
export interface HttpTransports {
  app: App;
  /** Refuses new connections and ends what is left (every follower has told its client where to resume). */
  close(): Promise<void>;
}

/**
 * Builds the Fastify app: parsing, validation and the one error mapping, the guards around every route (security
 * headers, CORS, auth, per-user rate limits), then each group of routes as a plugin given only the services
 * it uses, and Socket.IO beside them.
 */
export async function createHttpApp(services: Services, version: string): Promise<HttpTransports> {
  const { config, log } = services;
  const app: App = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.server.bodyLimitBytes,
    // Session ids of the earlier APIs may be up to 128 characters long.
    routerOptions: { maxParamLength: 200 },
    // Request ids for every log line; a caller's own id is kept so traces join up.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  // Every body is JSON; Fastify's built-in text/plain parser would let a string reach validation as a 400.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app);
  registerNulGuard(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('userId', LOCAL_USER);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error, request, reply) => {
    const p = problemFor(error, request.url.split('?')[0]);
    // A service that does not answer (503) is not a bug here: one warning line, no stack.
    if (p.status === 503)
      request.log.warn({ code: p.code, path: p.instance }, 'request refused: service unavailable');
    else if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    setRefusalHeaders(reply, error);
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 500)
      services.metrics.serverError(problemCode(payload) ?? `http_${reply.statusCode}`);
    return payload;
  });

  // Guards first: they attach to the routes declared after them.
  const endpoints = collectEndpoints(app);
  await registerSecurity(app, config.server);
  const auth = new Authenticator(
    config.auth,
    services.apiKeys,
    new StreamTokens(config.auth.streamTokenSecret, config.auth.streamTokenTtlMs),
  );
  registerAuth(app, auth);
  registerRateLimits(app, {
    limiter: services.limiter,
    perMinute: { documents: config.limits.documentsPerMin, default: config.limits.defaultPerMin },
    onLimited: (group) => services.metrics.rateLimited(group),
  });
  await registerOpenApi(app, version);

  const { turns, runs, runStore, conversations, sessions, follow, lifecycle } = services;
  const delivery = new HttpDelivery({ follow, keepAliveMs: config.delivery.keepaliveMs });
  const { maxMessageChars } = config.limits;
  await app.register(serviceRoutes, { db: services.db, runs, lifecycle, version, endpoints });
  await app.register(metricsRoutes, { metrics: services.metrics });
  await app.register(async (web) => webRoutes(web));
  await app.register(chatRoutes, { turns, delivery, maxMessageChars });
  await app.register(conversationRoutes, { conversations });
  await app.register(modelRoutes, {
    models: services.models,
    systemTemplates: config.answers.systemTemplates,
  });
  await app.register(documentRoutes, {
    documents: services.documents,
    retriever: services.retriever,
    embedder: services.embedder,
    maxUploadBytes: config.limits.maxUploadBytes,
    maxFilesPerUpload: config.limits.maxFilesPerUpload,
  });
  await app.register(runRoutes, { runs, runStore, delivery, retryMs: config.delivery.retryMs });
  await app.register(authRoutes, { auth, apiKeys: services.apiKeys, runStore });
  await app.register(wsRoutes, {
    turns,
    runs,
    runStore,
    follow,
    lifecycle,
    heartbeatMs: config.delivery.keepaliveMs,
    maxMessageChars,
    maxPayloadBytes: config.server.bodyLimitBytes,
  });
  await app.register(uiChatRoutes, { turns, sessions, conversations, runs, delivery, maxMessageChars });
  await app.register(openaiCompatRoutes, { turns, delivery, maxMessageChars });
  await app.register(openaiResponsesRoutes, {
    turns,
    delivery,
    responses: services.responses,
    maxMessageChars,
  });
  const legacy = { turns, delivery, maxMessageChars };
  await app.register(legacyWordChatRoutes, legacy);
  await app.register(legacyProgressChatRoutes, legacy);
  await app.register(legacySessionChatRoutes, {
    ...legacy,
    sessions,
    conversations,
    defaultModel: config.models.defaultModel,
  });
  await app.register(legacyMessageChatRoutes, legacy);
  const socketIo = attachSocketIo(app, {
    auth,
    turns,
    follow,
    maxMessageChars,
    maxPayloadBytes: config.server.bodyLimitBytes,
    log: app.log,
  });
  // The last hook before the server stops listening: no connection can arrive in between.
  const silent = trackSilentConnections(app.server);
  app.addHook('preClose', (done) => {
    silent.destroy();
    done();
  });
  await app.ready();

  return {
    app,
    async close() {
      // Together: open Socket.IO connections would hold the http server's close open.
      await Promise.all([socketIo.close(), app.close()]);
    },
  };
}
