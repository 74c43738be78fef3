export {
  createRunFollower,
  type FollowEnd,
  type FollowTarget,
  type RunFollower,
  type RunFollowerOptions,
} from './follow-run.js';
export { InMemoryRunLog, MAX_BATCH } from './in-memory-run-log.js';
export { MemoryRunBackend } from './memory-run-backend.js';
export { RedisRunBackend, type RedisRunBackendOptions } from './redis-run-backend.js';
export { RunLogUnavailableError } from './run-log-unavailable-error.js';
export type { RunBackend } from './run-backend.js';
export { openRun, RunExpiredError, RunNotFoundError } from './open-run.js';
export { RunLeases, type RunLeasesOptions } from './run-leases.js';
export type { LoggedEvent, RunLog } from './run-log.js';
export { RunPresence, type RunPresenceOptions } from './run-presence.js';
export {
  type DisconnectPolicy,
  type Run,
  RunInterruptedError,
  type RunOutcome,
  RunRegistry,
  type RunRegistryOptions,
} from './run-registry.js';
export type { RunSink, SinkWrite } from './run-sink.js';
