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
    /** The request's input items, then the response's output items. */
    items: unknown[];
    /** How many of `items` are the input. */
    inputCount: number;
    /** The Response object as the client received it. */
    response: object;
  }): Promise<void> {
    await this.db.query(
      `insert into responses (id, user_id, previous_response_id, model, items, input_count, response)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        row.id,
        row.userId,
        row.previousResponseId ?? null,
        row.model,
        JSON.stringify(row.items),
        row.inputCount,
        JSON.stringify(row.response),
      ],
    );
  }

  /** The user's stored response `id` (another user's is not found): the Response and its input items. */
  async get(userId: string, id: string): Promise<StoredResponse | undefined> {
    const rows = await this.db.query<{
      model: string;
      previous_response_id: string | null;
      items: unknown[] | string;
      input_count: number | null;
      response: Record<string, unknown> | string | null;
      created_at: Date | string;
    }>(
      `select model, previous_response_id, items, input_count, response, created_at
         from responses where id = $1 and user_id = $2`,
      [id, userId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const items = parsed(row.items) as Record<string, unknown>[];
    if (row.response !== null && row.input_count !== null)
      return {
        response: parsed(row.response) as Record<string, unknown>,
        input: items.slice(0, row.input_count),
      };
    // Stored before responses kept their object: the output is what follows the input, the message the
    // run wrote (msg_<run id>) or the function calls that end the items.
    const messageId = `msg_${id.replace(/^resp_/, '')}`;
    let start = items.findIndex((item) => item.id === messageId);
    if (start < 0) {
      start = items.length;
      while (start > 0 && items[start - 1]?.type === 'function_call') start--;
    }
    return {
      response: {
        id,
        object: 'response',
        created_at: Math.floor(new Date(row.created_at).getTime() / 1000),
        status: 'completed',
        model: row.model,
        output: items.slice(start),
        previous_response_id: row.previous_response_id,
        error: null,
        incomplete_details: null,
        usage: null,
      },
      input: items.slice(0, start),
    };
  }

  /** Deletes the user's response `id`; false when there is none. A response that continued it starts anew. */
  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(`delete from responses where id = $1 and user_id = $2 returning id`, [
      id,
      userId,
    ]);
    return rows.length > 0;
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
    return rows.flatMap((r) => parsed(r.items) as unknown[]);
  }
}

/** A stored response, read back. */
export interface StoredResponse {
  /** The Response object. */
  response: Record<string, unknown>;
  /** The items of its request's input, in order. */
  input: Record<string, unknown>[];
}

/** A jsonb value: parsed by the driver, or still text. */
const parsed = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
