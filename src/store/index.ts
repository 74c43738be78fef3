export {
  type BeginRegeneration,
  type BeginTurn,
  ChatStore,
  ConversationFullError,
  type HistoryTurn,
  InvalidCursorError,
  RegenerationError,
  type Turn,
  titleFrom,
  TooManyRunsError,
} from './chat-store.js';
export { type Database, type DatabaseOptions, openDatabase, type Queryable } from './database.js';
export { type ChunkHit, DocumentStore, type NewDocument } from './document-store.js';
export { LegacySessionStore } from './legacy-session-store.js';
export { ensureVectorStore, MIGRATIONS, migrate } from './migrations.js';
export { RunStore } from './run-store.js';
export { API_KEY_PREFIX, type ApiKeyInfo, ApiKeyStore, hashApiKey } from './api-key-store.js';
