import type {
  ComponentState,
  ConversationId,
  MessageId,
  MessageStatus,
  Metrics,
  RunId,
  RunStatus,
  Source,
  Usage,
} from '../protocol/index.js';
import type { Database, Prepared } from './database.js';
import { GroupCommit } from './group-commit.js';

/** One earlier turn as the model sees it. */
export interface HistoryTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** How an answer ended, and what it produced. */
export interface FinishedMessage {
  content: string;
  status: Exclude<MessageStatus, 'streaming'>;
  usage: Usage;
  metrics: Metrics;
  components: ComponentState[];
  sources: Source[];
}

/** The run that wrote an answer, as it ends with it: its final status and the id of its last event. */
export interface FinishedRun {
  id: RunId;
  status: Exclude<RunStatus, 'running'>;
  lastEventId: number;
}

interface Finish {
  messageId: MessageId;
  message: FinishedMessage;
  run: FinishedRun;
}

/**
 * An answer's end, for every answer ended in one batch: the messages' final state, their runs' status, and the
 * run slots they free (only for runs that were still `running`: a run already marked interrupted by a sweep has
 * given its slot back).
 */
export const FINISH_SQL = `
  with input as (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::jsonb[], $7::jsonb[],
                         $8::text[], $9::text[], $10::int[])
      as t(message_id, content, status, usage, metrics, components, sources, run_id, run_status, last_event_id)
  ), answers as (
    update messages m set content = i.content, status = i.status, usage = i.usage, metrics = i.metrics,
      components = i.components, sources = i.sources, updated_at = now()
    from input i where m.id = i.message_id
  ), ended as (
    -- Found by key: joined to the input alone, or with a plain \`status = 'running'\` that matches the partial
    -- index of running runs, the plan read every running run for each batch (4.5 ms at 2,000 running runs,
    -- growing with the dead versions nothing vacuums on PGlite). Testing the status through \`case\` leaves
    -- the primary key as the only index to take.
    update runs r set status = i.run_status, last_event_id = i.last_event_id, finished_at = now()
    from input i
    where r.id = any($8::text[]) and r.id = i.run_id and case when r.status = 'running' then true else false end
    returning r.user_id
  ), freed as (
    select user_id, count(*)::int as n from ended group by user_id
  )
  update user_runs u set running = greatest(0, u.running - f.n) from freed f where u.user_id = f.user_id`;

/** Saves the text of many running answers at once. Only while a message is `streaming`: its end wins. */
const PROGRESS_SQL = `
  update messages m set content = v.content, updated_at = now()
  from unnest($1::text[], $2::text[]) as v(id, content)
  where m.id = v.id and m.status = 'streaming'`;

/** The messages of conversations as an answer is written: its history, its progress, its end. */
export class MessageStore {
  readonly #finish: Prepared<never>;
  readonly #progress: Prepared<never>;
  readonly #finishes = new GroupCommit<Finish, void>({ run: (batch) => this.#finishBatch(batch) });

  constructor(private readonly db: Database) {
    this.#finish = db.prepare('finish_answers', FINISH_SQL);
    this.#progress = db.prepare('save_progress', PROGRESS_SQL);
  }

  /** The conversation's turns up to and including `untilMessageId`, oldest first, empty ones left out. */
  async history(conversationId: ConversationId, untilMessageId: MessageId): Promise<HistoryTurn[]> {
    return this.db.query<HistoryTurn>(
      `select role, content from messages
       where conversation_id = $1 and role in ('user', 'assistant') and content <> ''
         and seq <= (select seq from messages where id = $2)
       order by seq`,
      [conversationId, untilMessageId],
    );
  }

  /**
   * Saves the text generated so far of running answers, in one statement, so a crash of this instance loses at
   * most one interval of it.
   */
  async saveProgress(texts: ReadonlyMap<MessageId, string>): Promise<void> {
    if (texts.size === 0) return;
    await this.#progress([[...texts.keys()], [...texts.values()]]);
  }

  /**
   * Stores the answer's end — its final text, status, usage, metrics, components and sources — with its run's
   * status, freeing the run's slot. The answers ended in one event-loop turn share one statement.
   */
  finish(messageId: MessageId, message: FinishedMessage, run: FinishedRun): Promise<void> {
    return this.#finishes.submit({ messageId, message, run });
  }

  /**
   * A run whose pipeline crashed: its answer is stored `failed` with the text saved so far, and its run `failed`,
   * its slot freed. (Not on the hot path: one statement of its own.)
   */
  async fail(messageId: MessageId, runId: RunId, lastEventId: number): Promise<void> {
    await this.db.query(
      `with answer as (
         update messages set status = 'failed', updated_at = now() where id = $1 and status = 'streaming'
       ), ended as (
         update runs set status = 'failed', last_event_id = $3, finished_at = now()
         where id = $2 and status = 'running' returning user_id
       )
       update user_runs u set running = greatest(0, u.running - 1) from ended e where u.user_id = e.user_id`,
      [messageId, runId, lastEventId],
    );
  }

  async #finishBatch(batch: readonly Finish[]): Promise<void[]> {
    const json = (value: unknown) => JSON.stringify(value);
    await this.#finish([
      batch.map((f) => f.messageId),
      batch.map((f) => f.message.content),
      batch.map((f) => f.message.status),
      batch.map((f) => json(f.message.usage)),
      batch.map((f) => json(f.message.metrics)),
      batch.map((f) => json(f.message.components)),
      batch.map((f) => json(f.message.sources)),
      batch.map((f) => f.run.id),
      batch.map((f) => f.run.status),
      batch.map((f) => f.run.lastEventId),
    ]);
    return batch.map(() => undefined);
  }
}
