import type {
  ComponentState,
  Conversation,
  ConversationDetail,
  ConversationPage,
  Message,
  MessageRole,
  MessageStatus,
  Metrics,
  Source,
  Usage,
} from '../protocol/index.js';
import { newId } from '../protocol/index.js';
import type { Database } from './database.js';
import { InvalidCursorError } from './invalid-cursor-error.js';

interface ConversationRow {
  id: string;
  seq: string;
  title: string;
  created_at: Date;
  updated_at: Date;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}
interface MessageRow {
  id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  run_id: string | null;
  usage: Usage | null;
  metrics: Metrics | null;
  components: ComponentState[];
  sources: Source[];
  created_at: Date;
}

// Running totals are summed from the messages: nothing to keep in step when a message is finished.
const CONVERSATION_COLUMNS = `c.id, c.seq::text as seq, c.title, c.created_at, c.updated_at,
  coalesce((select sum((m.usage->>'input_tokens')::bigint) from messages m where m.conversation_id = c.id), 0)::int as input_tokens,
  coalesce((select sum((m.usage->>'output_tokens')::bigint) from messages m where m.conversation_id = c.id), 0)::int as output_tokens,
  coalesce((select sum((m.usage->>'cost_usd')::numeric) from messages m where m.conversation_id = c.id), 0)::float8 as cost_usd`;
const MESSAGE_COLUMNS =
  'id, role, content, status, model, run_id, usage, metrics, components, sources, created_at';

/**
 * A user's conversations, each only its owner's: another user's id is as unknown as a wrong one. Turns are
 * admitted (and new conversations opened by a first message) by `TurnStore`.
 */
export class ConversationStore {
  constructor(private readonly db: Database) {}

  /** An empty conversation, titled `New conversation` when no title is given. */
  async create(userId: string, title?: string): Promise<Conversation> {
    const [row] = await this.db.query<ConversationRow>(
      `insert into conversations as c (id, title, user_id) values ($1, $2, $3) returning ${CONVERSATION_COLUMNS}`,
      [newId('conversation'), title ?? 'New conversation', userId],
    );
    if (!row) throw new Error('insert returned no row');
    return toConversation(row);
  }

  /**
   * A new conversation holding `messages` as complete messages, in order: the history a client holds when it
   * differs from the stored one (an edit or a branch), from which the client's next turn goes on.
   */
  async createWithHistory(
    userId: string,
    title: string,
    messages: readonly { role: 'user' | 'assistant'; content: string }[],
  ): Promise<Conversation> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<ConversationRow>(
        `insert into conversations as c (id, title, user_id) values ($1, $2, $3) returning ${CONVERSATION_COLUMNS}`,
        [newId('conversation'), title, userId],
      );
      if (!row) throw new Error('insert returned no row');
      for (const m of messages) {
        await tx.query(
          `insert into messages (id, conversation_id, role, content, status) values ($1, $2, $3, $4, 'complete')`,
          [newId('message'), row.id, m.role, m.content],
        );
      }
      return toConversation(row);
    });
  }

  async get(userId: string, id: string): Promise<Conversation | undefined> {
    const [row] = await this.db.query<ConversationRow>(
      `select ${CONVERSATION_COLUMNS} from conversations c where c.id = $1 and c.user_id = $2`,
      [id, userId],
    );
    return row && toConversation(row);
  }

  /** The conversation with its messages, oldest first, and the run still writing its answer, if any. */
  async detail(userId: string, id: string): Promise<ConversationDetail | undefined> {
    const conversation = await this.get(userId, id);
    if (!conversation) return undefined;
    const rows = await this.db.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages where conversation_id = $1 order by seq`,
      [id],
    );
    const [active] = await this.db.query<{ id: string; message_id: string }>(
      `select id, message_id from runs where conversation_id = $1 and status = 'running' order by created_at desc limit 1`,
      [id],
    );
    return { ...conversation, messages: rows.map(toMessage), active_run: active ?? null };
  }

  /** Newest first; the cursor is opaque to clients. `InvalidCursorError` for a cursor this server did not issue. */
  async list(userId: string, limit: number, cursor: string | undefined): Promise<ConversationPage> {
    const before = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.db.query<ConversationRow>(
      `select ${CONVERSATION_COLUMNS} from conversations c
       where c.user_id = $3 and ($1::bigint is null or c.seq < $1::bigint) order by c.seq desc limit $2`,
      [before ?? null, limit + 1, userId],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toConversation),
      next_cursor: rows.length > limit && last ? Buffer.from(last.seq).toString('base64url') : null,
    };
  }

  /** Deletes the conversation with its messages, runs and session keys; false when there was none. */
  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(
      'delete from conversations where id = $1 and user_id = $2 returning id',
      [id, userId],
    );
    return rows.length > 0;
  }
}

function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(seq)) throw new InvalidCursorError();
  return seq;
}

function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    title: row.title,
    usage: { input_tokens: row.input_tokens, output_tokens: row.output_tokens, cost_usd: row.cost_usd },
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    status: row.status,
    model: row.model,
    run_id: row.run_id,
    usage: row.usage,
    metrics: row.metrics,
    components: row.components,
    sources: row.sources,
    created_at: row.created_at.toISOString(),
  };
}
