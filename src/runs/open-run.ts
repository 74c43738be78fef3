import { DomainError } from '../domain-error.js';
import type { RunInfo } from '../protocol/index.js';
import type { RunStore } from '../store/index.js';
import type { RunLog } from './run-log.js';
import type { RunRegistry } from './run-registry.js';

export class RunNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', 'run_not_found', `No run with id "${id}".`);
  }
}

/** The run is known, but its events are no longer kept; its final message is in its conversation. */
export class RunExpiredError extends DomainError {
  constructor(id: string, conversationId: string) {
    super(
      'gone',
      'run_expired',
      `The events of run "${id}" are no longer kept; its final message is in conversation "${conversationId}".`,
    );
  }
}

/**
 * A user's run and its log, wherever it runs, for a client to follow. Only the user's own runs: another
 * user's is as unknown as a wrong id (`RunNotFoundError`), whether or not its log is still there;
 * `RunExpiredError` once its events are no longer kept.
 */
export async function openRun(
  runs: RunRegistry,
  store: RunStore,
  userId: string,
  runId: string,
): Promise<{ info: RunInfo; log: RunLog }> {
  const info = await store.get(userId, runId);
  if (!info) throw new RunNotFoundError(runId);
  let log = await runs.openLog(runId);
  // A run that has just started on another instance may not have its first events in Redis yet (they are
  // written once per event-loop turn there, after the run's row): a running run's log is waited for.
  for (
    let waited = 0;
    !log && info.status === 'running' && waited < FIRST_EVENTS_WAIT_MS;
    waited += POLL_MS
  ) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    log = await runs.openLog(runId);
  }
  if (!log) throw new RunExpiredError(runId, info.conversation_id);
  return { info, log };
}

/** How long a running run's first events may take to reach the shared log, and how often to look. */
const FIRST_EVENTS_WAIT_MS = 10_000;
const POLL_MS = 25;
