import { DomainError } from '../domain-error.js';

/**
 * The run logs' store (Redis) does not answer: a resume or cancel cannot be served now (503, `Retry-After`),
 * a follower is told to reconnect, and a run whose events could not be written for the outage limit is stopped.
 */
export class RunLogUnavailableError extends DomainError {
  constructor(detail = 'The run log does not answer right now; try again in a moment.', cause?: unknown) {
    super('unavailable', 'run_log_unavailable', detail, 1);
    if (cause !== undefined) this.cause = cause;
  }
}
