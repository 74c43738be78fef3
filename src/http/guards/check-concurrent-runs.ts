import { countRunningRuns } from '../../store/count-running-runs.js';
import type { AppContext } from '../app-context.js';
import { HttpProblem } from '../problem.js';

/** 429 `too_many_runs`: the user already has as many answers running as one user may. */
export class TooManyRunsError extends HttpProblem {
  /** Sent as `Retry-After`: an answer ends, and frees its slot, within seconds. */
  readonly retryAfterSeconds = 1;

  constructor(max: number) {
    super(
      429,
      'too_many_runs',
      `You have ${max} answers running, the most one user may have at once. Wait for one to finish, or cancel one.`,
    );
  }
}

/**
 * Refuses a new run when `userId` has `MAX_CONCURRENT_RUNS_PER_USER` running on any instance; called before
 * anything is written. The count and the insert that follows are separate statements, so requests of one
 * user that arrive at the same instant can each see the last free slot.
 */
export async function checkConcurrentRuns(
  ctx: Pick<AppContext, 'db' | 'config'>,
  userId: string,
): Promise<void> {
  const max = ctx.config.maxConcurrentRunsPerUser;
  if ((await countRunningRuns(ctx.db, userId)) >= max) throw new TooManyRunsError(max);
}
