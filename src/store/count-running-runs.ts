import type { Queryable } from './database.js';

/** How many runs of `userId` are running, on any instance (served by the partial index `runs_user_running`). */
export async function countRunningRuns(db: Queryable, userId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from runs where status = 'running' and user_id = $1`,
    [userId],
  );
  return row?.n ?? 0;
}
