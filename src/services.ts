import { type Logger, pino } from 'pino';
import { type ChatDeps, Checkpoints } from './chat/index.js';
import { type Config, ConfigError } from './config/index.js';
import { Lifecycle } from './lifecycle.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './limits/index.js';
import { Metrics } from './metrics.js';
import { createEmbedder, LocalModel, ModelRegistry, PriceTable } from './models/index.js';
import { type Embedder, Retriever } from './rag/index.js';
import {
  createRunFollower,
  MemoryRunBackend,
  RedisRunBackend,
  type RunBackend,
  type RunFollower,
  RunLeases,
  RunPresence,
  RunRegistry,
} from './runs/index.js';
import {
  ApiKeyStore,
  ConversationStore,
  type Database,
  DocumentStore,
  ensureVectorStore,
  MessageStore,
  migrate,
  openDatabase,
  RunStore,
  SessionStore,
  TurnStore,
  ResponseStore,
} from './store/index.js';
import { ChatBudget, SessionLinks, TurnStarter } from './turns/index.js';

export interface ServicesOptions {
  config: Config;
  /** An open database; by default one is opened from `config` (and closed with the services). */
  db?: Database;
  /** Models beyond the built-in ones (tests register fakes here). */
  configureModels?: (models: ModelRegistry) => void;
  /** A logger instance; by default pino at `LOG_LEVEL`, with credentials redacted. */
  logger?: Logger;
}

/** Everything the server does, built without any transport: the transports are given these. */
export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  lifecycle: Lifecycle;
  metrics: Metrics;
  models: ModelRegistry;
  /** Set when `EMBEDDING_MODEL` is configured and pgvector is available. */
  embedder: Embedder | undefined;
  retriever: Retriever;
  conversations: ConversationStore;
  documents: DocumentStore;
  runStore: RunStore;
  apiKeys: ApiKeyStore;
  /** Stored responses of the OpenAI Responses API. */
  responses: ResponseStore;
  sessions: SessionLinks;
  runs: RunRegistry;
  presence: RunPresence;
  leases: RunLeases;
  /** How every transport follows a run for its client. */
  follow: RunFollower;
  /** Per-user request budgets (chat is spent by `turns`, the rest by the HTTP routes). */
  limiter: RateLimiter;
  /** Starts answers, for every transport. */
  turns: TurnStarter;
  /** Stops at once: running runs stop as cancelled (their partial answers stored), then the stores close. */
  close(): Promise<void>;
}

/** Builds the services from the configuration: database, models, retrieval, run backend, runs, budgets. */
export async function createServices(options: ServicesOptions): Promise<Services> {
  const { config } = options;
  const log = options.logger ?? createLogger(config);
  const models = createModels(config, options.configureModels);
  let embedder = createEmbedding(config);

  const ownsDb = options.db === undefined;
  const db =
    options.db ??
    (await openDatabase(
      config.storage.databaseUrl
        ? { engine: 'postgres', url: config.storage.databaseUrl }
        : { engine: 'pglite', dataDir: config.storage.dataDir, vector: embedder !== undefined },
    ));
  const opened: { close(): Promise<void> }[] = ownsDb ? [db] : [];
  try {
    await migrate(db);
    // Vector retrieval needs both an embedding model and pgvector; without either, lexical search serves alone.
    const vectorReady = embedder ? await ensureVectorStore(db) : false;
    if (!vectorReady) embedder = undefined;
    logRetrieval(log, config, embedder);

    const redisUrl = config.storage.redisUrl;
    const onRedisError = (err: unknown) => log.error({ err }, 'redis error');
    const backend: RunBackend = redisUrl
      ? await RedisRunBackend.connect({
          url: redisUrl,
          prefix: config.storage.redisPrefix,
          retentionMs: config.runs.retentionMs,
          // A running log is kept alive by its appends; one whose instance died goes after this.
          maxRunMs: 5 * Math.max(config.models.timeoutMs, config.models.idleTimeoutMs),
          maxEvents: 100_000,
          outageLimitMs: config.runs.logOutageMs,
          onError: onRedisError,
        })
      : new MemoryRunBackend(config.runs.retentionMs);
    opened.push(backend);
    const limiter: RateLimiter = redisUrl
      ? await RedisRateLimiter.connect({
          url: redisUrl,
          prefix: config.storage.redisPrefix,
          onError: onRedisError,
        })
      : new MemoryRateLimiter();
    opened.push(limiter);

    const runStore = new RunStore(db);
    const conversations = new ConversationStore(db);
    const documents = new DocumentStore(db);
    const retriever = new Retriever(documents, embedder);
    const sessions = new SessionLinks(conversations, new SessionStore(db));
    const lifecycle = new Lifecycle();
    const metrics = new Metrics();
    const runs = new RunRegistry({ backend });
    const presence = new RunPresence({ backend, runs, graceMs: config.runs.graceMs });
    const leases = new RunLeases({
      backend,
      store: runStore,
      runs,
      leaseMs: config.runs.leaseMs,
      sweepMs: config.runs.sweepMs,
      log,
    });
    metrics.observeRuns(runs, presence);
    const messages = new MessageStore(db);
    const chat: ChatDeps = {
      saveRetryMs: config.runs.saveRetryMs,
      store: messages,
      prices: new PriceTable(config.models.prices),
      policy: config.models,
      historyTokenBudget: config.answers.historyTokenBudget,
      maxOutputTokens: config.answers.maxOutputTokens,
      maxComponents: config.answers.maxComponents,
      componentRowDelayMs: config.answers.componentRowDelayMs,
      retriever,
      checkpoints: new Checkpoints(messages, config.runs.checkpointMs, log),
    };
    const turns = new TurnStarter({
      models,
      prompts: { serverPrompt: config.answers.systemPrompt, templates: config.answers.systemTemplates },
      budget: new ChatBudget({
        limiter,
        perMinute: config.limits.chatPerMin,
        maxConcurrentRuns: config.limits.maxConcurrentRunsPerUser,
        onLimited: () => metrics.rateLimited('chat'),
        log,
      }),
      turns: new TurnStore(db),
      documents,
      sessions,
      runs,
      chat,
      maxMessages: config.limits.maxMessagesPerConversation,
      leaseMs: config.runs.leaseMs,
      shutdown: lifecycle.signal,
      log,
    });
    leases.start();

    return {
      config,
      log,
      db,
      lifecycle,
      metrics,
      models,
      embedder,
      retriever,
      conversations,
      documents,
      runStore,
      apiKeys: new ApiKeyStore(db),
      responses: new ResponseStore(db),
      sessions,
      runs,
      presence,
      leases,
      follow: createRunFollower({
        presence,
        stallMs: config.delivery.subscriberStallMs,
        shutdown: lifecycle.signal,
      }),
      limiter,
      turns,
      async close() {
        leases.stop();
        await runs.abortAll(new Error('server shutting down'));
        await closeAll(opened.reverse());
      },
    };
  } catch (error) {
    await closeAll(opened.reverse());
    throw error;
  }
}

function createLogger(config: Config): Logger {
  return pino({
    level: config.server.logLevel,
    // Credentials in either direction never reach the log.
    redact: [
      'req.headers.authorization',
      'req.headers.cookie',
      'req.headers["x-api-key"]',
      '*.apiKey',
      '*.api_key',
    ],
  });
}

/** The built-in models, the registered ones, and the default checked (a bad one fails at start). */
function createModels(config: Config, configure: ServicesOptions['configureModels']): ModelRegistry {
  const models = new ModelRegistry(
    config.models.defaultModel,
    config.models.providers,
    config.models.visionModels,
  ).register('local', new LocalModel({ tokenDelayMs: config.models.localTokenDelayMs }));
  configure?.(models);
  try {
    models.resolve(config.models.defaultModel);
  } catch (error) {
    throw configError('DEFAULT_MODEL', config.models.defaultModel, error);
  }
  return models;
}

function createEmbedding(config: Config): Embedder | undefined {
  const id = config.models.embeddingModel;
  if (!id) return undefined;
  try {
    return createEmbedder(id, config.models.providers);
  } catch (error) {
    throw configError('EMBEDDING_MODEL', id, error);
  }
}

function configError(variable: string, value: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(`Invalid configuration:\n  ${variable}=${JSON.stringify(value)}: ${reason}`);
}

function logRetrieval(log: Logger, config: Config, embedder: Embedder | undefined): void {
  const hybrid = embedder !== undefined;
  log.info(
    {
      retrieval: hybrid ? ['lexical', 'vector'] : ['lexical'],
      embeddingModel: config.models.embeddingModel ?? null,
      pgvector: hybrid,
    },
    config.models.embeddingModel && !hybrid
      ? 'retrieval: lexical only (EMBEDDING_MODEL is set but pgvector is not available in this database)'
      : `retrieval: ${hybrid ? 'hybrid (full-text + vector, fused by reciprocal rank)' : 'lexical (full-text)'}`,
  );
}

async function closeAll(parts: readonly { close(): Promise<void> }[]): Promise<void> {
  for (const part of parts) await part.close();
}
