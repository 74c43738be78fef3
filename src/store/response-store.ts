import type { Database } from './database.js';

/** How far back a thread of responses is followed: a loop or a very long chain is cut there. */
const MAX_THREAD = 1000;

/**
 * Stored responses of the OpenAI Responses API (`POST /v1/responses` with `store`), each with the items it
 * added to its thread (its input, then its output), so that `previous_response_id` continues it.
 */
export class ResponseStore {
  constructor(private readonly db: Database) {}

  async save(row: {
    id: string;
    userId: string;
    previousResponseId: string | undefined;
    model: string;
    items: unknown[];
  }): Promise<void> {
    await this.db.query(
      `insert into responses (id, user_id, previous_response_id, model, items) values ($1, $2, $3, $4, $5)`,
      [row.id, row.userId, row.previousResponseId ?? null, row.model, JSON.stringify(row.items)],
    );
  }

  /**
   * Every item of the thread that ends with response `id`, oldest first; undefined when the user has no such
   * response (another user's is not found either).
   */
  async thread(userId: string, id: string): Promise<unknown[] | undefined> {
    const rows = await this.db.query<{ items: unknown[] | string; depth: number }>(
      `with recursive thread(id, previous_response_id, items, depth) as (
         select id, previous_response_id, items, 0 from responses where id = $1 and user_id = $2
         union all
         select r.id, r.previous_response_id, r.items, t.depth + 1
           from responses r join thread t on r.id = t.previous_response_id
          where r.user_id = $2 and t.depth < $3
       )
       select items, depth from thread order by depth desc`,
      [id, userId, MAX_THREAD],
    );
    if (rows.length === 0) return undefined;
    return rows.flatMap((r) => (typeof r.items === 'string' ? JSON.parse(r.items) : r.items) as unknown[]);
  }
}
