export { API_KEY_PREFIX, type ApiKeyInfo, ApiKeyStore, hashApiKey } from './api-key-store.js';
export { ConversationStore } from './conversation-store.js';
export {
  type Database,
  type DatabaseOptions,
  openDatabase,
  pgliteTemplate,
  type Queryable,
} from './database.js';
export {
  DatabaseUnavailableError,
  isConnectionFailure,
  unavailableIfDisconnected,
} from './database-unavailable-error.js';
export { type ChunkHit, DocumentStore, type NewDocument, type TermStats } from './document-store.js';
export { InvalidCursorError } from './invalid-cursor-error.js';
export { type FinishedMessage, type HistoryTurn, MessageStore } from './message-store.js';
export { ensureVectorStore, MIGRATIONS, migrate } from './migrations.js';
export { connectRedis, REDIS_COMMAND_TIMEOUT_MS, RedisNotReadyError } from './redis-client.js';
export { retryWhileUnavailable } from './retry-while-unavailable.js';
export { ResponseStore, type StoredResponse } from './response-store.js';
export { RunStore } from './run-store.js';
export { SessionStore } from './session-store.js';
export { titleFrom } from './title-from.js';
export { type AdmissionResult, type Turn, type TurnAdmission, type TurnRefusal } from './turn-admission.js';
export { TurnStore } from './turn-store.js';
