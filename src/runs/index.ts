export { InMemoryRunLog, MAX_BATCH } from './in-memory-run-log.js';
export { MemoryRunBackend } from './memory-run-backend.js';
export { RedisRunBackend, type RedisRunBackendOptions } from './redis-run-backend.js';
export type { RunBackend } from './run-backend.js';
export type { LoggedEvent, RunLog } from './run-log.js';
export { type Run, RunInterruptedError, RunRegistry, type RunRegistryOptions } from './run-registry.js';
