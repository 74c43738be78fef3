import type { RunInfo, RunStatus } from '../protocol/index.js';
import type { Database } from './database.js';

interface RunRow {
  id: string;
  conversation_id: string;
  message_id: string;
  status: RunStatus;
  last_event_id: number | null;
  created_at: Date;
  finished_at: Date | null;
}

const COLUMNS = 'id, conversation_id, message_id, status, last_event_id, created_at, finished_at';

/**
 * Runs as the database knows them: who runs each (an instance holding a renewable lease) and how it ended.
 * A run whose lease ran out belongs to an instance that died: another instance, or the next start, marks
 * it `interrupted`.
 */
export class RunStore {
  constructor(private readonly db: Database) {}

  /** Only the user's own: another user's run is as unknown as a wrong id. */
  async get(userId: string, id: string): Promise<RunInfo | undefined> {
    const [row] = await this.db.query<RunRow>(`select ${COLUMNS} from runs where id = $1 and user_id = $2`, [
      id,
      userId,
    ]);
    return row && toInfo(row);
  }

  /** Extends the leases of every run this instance is running. */
  async renewLeases(instanceId: string, leaseMs: number): Promise<void> {
    await this.db.query(
      `update runs set lease_until = now() + make_interval(secs => $2) where instance_id = $1 and status = 'running'`,
      [instanceId, leaseMs / 1000],
    );
  }

  /**
   * Marks every run whose lease ran out as interrupted, gives their run slots back, and returns them. One
   * statement, so two instances sweeping at once never both claim the same run.
   */
  async claimExpired(): Promise<{ id: string; message_id: string }[]> {
    return this.db.query(
      `with expired as (
         update runs set status = 'interrupted', finished_at = now()
         where status = 'running' and lease_until < now() returning id, message_id, user_id
       ), freed as (
         select user_id, count(*)::int as n from expired group by user_id
       ), slots as (
         update user_runs u set running = greatest(0, u.running - f.n) from freed f where u.user_id = f.user_id
       )
       select id, message_id from expired`,
    );
  }

  /** The message of an interrupted run keeps its text (the log's, when it is longer than the last save). */
  async interruptMessage(messageId: string, content: string | undefined): Promise<void> {
    await this.db.query(
      `update messages set status = 'interrupted', content = coalesce($2, content), updated_at = now()
       where id = $1 and status = 'streaming'`,
      [messageId, content ?? null],
    );
  }
}

function toInfo(row: RunRow): RunInfo {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    message_id: row.message_id,
    status: row.status,
    last_event_id: row.last_event_id,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}
