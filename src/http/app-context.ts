import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ChatDeps } from '../chat/index.js';
import type { Config } from '../config.js';
import type { ModelRegistry } from '../models/index.js';
import type { RunRegistry } from '../runs/index.js';
import type { Retriever } from '../rag/index.js';
import type { ApiKeyStore, ChatStore, Database, DocumentStore, RunStore } from '../store/index.js';
import type { Authenticator } from './auth/authenticator.js';
import type { Lifecycle } from './lifecycle.js';
import type { Metrics } from './metrics.js';

/** What the transports are given: the parts built by `createServer`. */
export interface AppContext {
  config: Config;
  db: Database;
  store: ChatStore;
  models: ModelRegistry;
  runs: RunRegistry;
  /** What every chat run shares: store, prices, model-call policy, history budget. */
  chat: ChatDeps;
  documents: DocumentStore;
  retriever: Retriever;
  /** Set when `EMBEDDING_MODEL` is configured and pgvector is available. */
  embedder: import('../rag/index.js').Embedder | undefined;
  runStore: RunStore;
  apiKeys: ApiKeyStore;
  /** Credentials → user; stream tokens. */
  auth: Authenticator;
  lifecycle: Lifecycle;
  /** Prometheus metrics of this instance, served at `/metrics`. */
  metrics: Metrics;
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;
