import { readFileSync } from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { type Config, ConfigError } from './config.js';
import {
  type App,
  type AppContext,
  attachSocketIo,
  chatRoutes,
  conversationRoutes,
  documentRoutes,
  Metrics,
  modelRoutes,
  runRoutes,
  problem,
  problemFor,
  registerGuards,
  registerOpenApi,
  sendProblem,
  serviceRoutes,
  webRoutes,
  websocketRoutes,
} from './http/index.js';
import { createEmbedder, LocalModel, ModelRegistry, PriceTable } from './models/index.js';
import { type Embedder, Retriever } from './rag/index.js';
import { registerAuth } from './http/auth/auth-hook.js';
import { authRoutes } from './http/auth/auth-routes.js';
import { Authenticator } from './http/auth/authenticator.js';
import { StreamTokens } from './http/auth/stream-tokens.js';
import { LOCAL_USER } from './http/auth/user-id.js';
import { registerCompat } from './http/compat/register-compat.js';
import { registerJsonBody } from './http/json-body.js';
import { Lifecycle } from './http/lifecycle.js';
import { MemoryRunBackend, RedisRunBackend, type RunBackend, RunRegistry } from './runs/index.js';
import {
  ChatStore,
  type Database,
  DocumentStore,
  ensureVectorStore,
  migrate,
  openDatabase,
  ApiKeyStore,
  RunStore,
} from './store/index.js';

export const VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export interface CreateServerOptions {
  config: Config;
  /** An open database; by default one is opened from `config` (and closed with the server). */
  db?: Database;
  /** Models beyond the built-in ones (tests register fakes here). */
  configureModels?: (models: ModelRegistry) => void;
  /** A logger instance; by default pino at `config.logLevel`. */
  logger?: FastifyBaseLogger;
}

export interface StreamForge extends AppContext {
  app: App;
  /** Stops at once: open streams end, running runs stop as cancelled, the database closes. */
  close(): Promise<void>;
  /**
   * Graceful shutdown (SIGTERM): readiness turns 503; every open stream and socket is told where to resume
   * and closed; new connections are refused; running runs get until `SHUTDOWN_DEADLINE_MS` to finish
   * (with Redis their logs stay resumable on the other instances meanwhile), then the rest are stored
   * `interrupted`; finally the database closes.
   */
  shutdown(): Promise<void>;
}

/** Builds the Fastify app from the parts: database, models, runs and the transports over them. */
export async function createServer(options: CreateServerOptions): Promise<StreamForge> {
  const { config } = options;
  const models = new ModelRegistry(config.defaultModel, config.providers).register(
    'local',
    new LocalModel({ tokenDelayMs: config.localTokenDelayMs }),
  );
  options.configureModels?.(models);
  try {
    models.resolve(config.defaultModel);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `Invalid configuration:\n  DEFAULT_MODEL=${JSON.stringify(config.defaultModel)}: ${reason}`,
    );
  }

  let embedder: Embedder | undefined;
  if (config.embeddingModel) {
    try {
      embedder = createEmbedder(config.embeddingModel, config.providers);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `Invalid configuration:\n  EMBEDDING_MODEL=${JSON.stringify(config.embeddingModel)}: ${reason}`,
      );
    }
  }

  const ownsDb = options.db === undefined;
  const db =
    options.db ??
    (await openDatabase(
      config.databaseUrl
        ? { engine: 'postgres', url: config.databaseUrl }
        : { engine: 'pglite', dataDir: config.dataDir, vector: embedder !== undefined },
    ));
  await migrate(db);
  // Vector retrieval needs both an embedding model and pgvector; without either, lexical search serves alone.
  const vectorReady = embedder ? await ensureVectorStore(db) : false;
  if (!vectorReady) embedder = undefined;

  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger }
      : {
          logger: {
            level: config.logLevel,
            // Credentials in either direction never reach the log.
            redact: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-api-key"]',
              '*.apiKey',
              '*.api_key',
            ],
          },
        }),
    bodyLimit: config.bodyLimitBytes,
    // Session ids of the earlier APIs may be up to 128 characters long.
    routerOptions: { maxParamLength: 200 },
    // Request ids for every log line; a caller's own id is kept so traces join up.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  // Every body is JSON; Fastify's built-in text/plain parser would let a string reach validation as a 400.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('userId', LOCAL_USER);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error, request, reply) => {
    const p = problemFor(error instanceof Error ? error : new Error(String(error)), request);
    if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );

  const backend: RunBackend = config.redisUrl
    ? await RedisRunBackend.connect({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        retentionMs: config.runs.retentionMs,
        maxRunMs: config.modelCalls.timeoutMs * 5,
        maxEvents: 100_000,
        onError: (err) => app.log.error({ err }, 'redis error'),
      })
    : new MemoryRunBackend(config.runs.retentionMs);
  const runStore = new RunStore(db);
  const store = new ChatStore(db);
  const apiKeys = new ApiKeyStore(db);
  const auth = new Authenticator(
    config.auth,
    apiKeys,
    new StreamTokens(config.auth.streamTokenSecret, config.auth.streamTokenTtlMs),
  );
  const documents = new DocumentStore(db);
  const retriever = new Retriever(documents, embedder);
  const ctx: AppContext = {
    lifecycle: new Lifecycle(),
    runStore,
    apiKeys,
    auth,
    documents,
    retriever,
    embedder,
    config,
    db,
    metrics: new Metrics(),
    store,
    models,
    runs: new RunRegistry({
      backend,
      store: runStore,
      graceMs: config.runs.graceMs,
      leaseMs: config.runs.leaseMs,
      sweepMs: config.runs.sweepMs,
      log: app.log,
    }),
    chat: {
      store,
      prices: new PriceTable(config.prices),
      policy: config.modelCalls,
      historyTokenBudget: config.historyTokenBudget,
      maxOutputTokens: config.maxOutputTokens,
      maxComponents: config.maxComponents,
      componentRowDelayMs: config.componentRowDelayMs,
      retriever,
      checkpointMs: config.runs.checkpointMs,
    },
  };
  await registerGuards(app, ctx);
  registerAuth(app, ctx);
  await registerOpenApi(app, VERSION);
  serviceRoutes(app, ctx, VERSION);
  webRoutes(app);
  await app.register(fastifyMultipart, {
    limits: { fileSize: config.maxUploadBytes, files: config.maxFilesPerUpload, fields: 20 },
    // A file over the limit is cut off and reported per file (413), not thrown for the whole request.
    throwFileSizeLimit: false,
  });
  chatRoutes(app, ctx);
  conversationRoutes(app, ctx);
  modelRoutes(app, ctx);
  documentRoutes(app, ctx);
  runRoutes(app, ctx, runStore);
  authRoutes(app, ctx);
  await websocketRoutes(app, ctx);
  registerCompat(app, ctx);
  const io = attachSocketIo(app, ctx);
  app.log.info(
    {
      retrieval: retriever.mode === 'hybrid' ? ['lexical', 'vector'] : ['lexical'],
      embeddingModel: config.embeddingModel ?? null,
      pgvector: vectorReady,
    },
    config.embeddingModel && !vectorReady
      ? 'retrieval: lexical only (EMBEDDING_MODEL is set but pgvector is not available in this database)'
      : `retrieval: ${retriever.mode === 'hybrid' ? 'hybrid (full-text + vector, fused by reciprocal rank)' : 'lexical (full-text)'}`,
  );
  await app.ready();
  ctx.runs.startMaintenance();

  return {
    ...ctx,
    app,
    async close() {
      ctx.lifecycle.begin();
      // Together: open Socket.IO connections would hold the http server's close open.
      await Promise.all([io.close(), app.close()]);
      await ctx.runs.close();
      if (ownsDb) await db.close();
    },
    async shutdown() {
      ctx.lifecycle.begin();
      // Streams and sockets have written their reconnect messages (synchronously, on `shutdown`); closing
      // the server now refuses new connections and ends what is left.
      await Promise.all([io.close(), app.close()]);
      await ctx.runs.finishOrInterrupt(config.shutdownDeadlineMs);
      await ctx.runs.close();
      if (ownsDb) await db.close();
    },
  };
}
