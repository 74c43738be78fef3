export { InMemoryRunLog, MAX_BATCH } from './in-memory-run-log.js';
export type { LoggedEvent, RunLog } from './run-log.js';
export { type Run, RunRegistry } from './run-registry.js';
