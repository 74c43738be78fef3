import type { Queryable } from './database.js';

/** Where a run's owner is recorded: on the run, on its conversation, or nowhere (a one-user schema). */
type Owner = 'runs' | 'conversations' | 'none';

const owners = new WeakMap<Queryable, Promise<Owner>>();

const COUNT: Record<Owner, string> = {
  runs: `select count(*)::int as n from runs where status = 'running' and user_id = $1`,
  conversations: `select count(*)::int as n from runs r join conversations c on c.id = r.conversation_id
                  where r.status = 'running' and c.user_id = $1`,
  // Without owners every run is the one local user's.
  none: `select count(*)::int as n from runs where status = 'running' and $1::text is not null`,
};

/**
 * How many runs of `userId` are running, on any instance. Reads `runs.user_id` when the schema has it,
 * else the owner of the run's conversation, else counts every running run. The schema is looked at once
 * per database (migrations have run by the time a request arrives).
 */
export async function countRunningRuns(db: Queryable, userId: string): Promise<number> {
  let owner = owners.get(db);
  if (!owner) {
    owner = ownerOf(db);
    owners.set(db, owner);
    // A failed look is not remembered: the next call asks again.
    owner.catch(() => owners.delete(db));
  }
  const [row] = await db.query<{ n: number }>(COUNT[await owner], [userId]);
  return row?.n ?? 0;
}

async function ownerOf(db: Queryable): Promise<Owner> {
  const rows = await db.query<{ table_name: string }>(
    `select table_name from information_schema.columns
     where table_schema = current_schema() and column_name = 'user_id'
       and table_name in ('runs', 'conversations')`,
  );
  const tables = new Set(rows.map((r) => r.table_name));
  return tables.has('runs') ? 'runs' : tables.has('conversations') ? 'conversations' : 'none';
}
