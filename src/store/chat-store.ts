import {
  type ComponentState,
  type Conversation,
  type ConversationDetail,
  type ConversationId,
  type ConversationPage,
  type Message,
  type MessageId,
  type MessageRole,
  type MessageStatus,
  type Metrics,
  newId,
  type RunId,
  type Source,
  type Usage,
} from '../protocol/index.js';
import type { Database, Queryable } from './database.js';

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

/** One earlier turn as the model sees it. */
export interface HistoryTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface BeginTurn {
  userId: string;
  /** Messages a conversation may hold; a turn that would pass it is refused. */
  maxMessages: number;
  conversationId?: ConversationId;
  userText: string;
  model: string;
  runId: RunId;
  /** Runs one user may have going at once, on all instances; a turn past it is refused. */
  maxConcurrentRuns: number;
  /** The instance that will run it, and how long its first lease lasts. */
  instanceId: string;
  leaseMs: number;
}
/** A new answer to the conversation's last user message, in place of the answer it has. */
export type BeginRegeneration = Omit<BeginTurn, 'maxMessages' | 'conversationId' | 'userText'> & {
  conversationId: ConversationId;
};

export interface Turn {
  conversationId: ConversationId;
  userMessageId: MessageId;
  assistantMessageId: MessageId;
  /** The turn opened the conversation: its history is the user message alone (no query needed). */
  newConversation: boolean;
  /** The user's documents when the turn began: none, and a turn does not search unless asked to. */
  documentCount: number;
}

// Running totals are summed from the messages: nothing to keep in step when a message is finished.
const CONVERSATION_COLUMNS = `c.id, c.seq::text as seq, c.title, c.created_at, c.updated_at,
  coalesce((select sum((m.usage->>'input_tokens')::bigint) from messages m where m.conversation_id = c.id), 0)::int as input_tokens,
  coalesce((select sum((m.usage->>'output_tokens')::bigint) from messages m where m.conversation_id = c.id), 0)::int as output_tokens,
  coalesce((select sum((m.usage->>'cost_usd')::numeric) from messages m where m.conversation_id = c.id), 0)::float8 as cost_usd`;
const MESSAGE_COLUMNS =
  'id, role, content, status, model, run_id, usage, metrics, components, sources, created_at';
const TITLE_CHARS = 80;

/** Conversations and their messages, on either engine. */
export class ChatStore {
  constructor(private readonly db: Database) {}

  async createConversation(userId: string, title: string | undefined): Promise<Conversation> {
    const [row] = await this.db.query<ConversationRow>(
      `insert into conversations as c (id, title, user_id) values ($1, $2, $3) returning ${CONVERSATION_COLUMNS}`,
      [newId('conversation'), title ?? 'New conversation', userId],
    );
    return toConversation(required(row));
  }

  /** Only the user's own: another user's id is as unknown as a wrong one. */
  async getConversation(userId: string, id: string): Promise<Conversation | undefined> {
    const [row] = await this.db.query<ConversationRow>(
      `select ${CONVERSATION_COLUMNS} from conversations c where c.id = $1 and c.user_id = $2`,
      [id, userId],
    );
    return row && toConversation(row);
  }

  async getConversationDetail(userId: string, id: string): Promise<ConversationDetail | undefined> {
    const conversation = await this.getConversation(userId, id);
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

  /** Newest first; the cursor is opaque to clients. */
  async listConversations(
    userId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<ConversationPage> {
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

  async deleteConversation(userId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(
      'delete from conversations where id = $1 and user_id = $2 returning id',
      [id, userId],
    );
    return rows.length > 0;
  }

  /**
   * Stores the user message and an empty `streaming` assistant message, creating the conversation (titled from
   * the message) when none is named, and the run's row. Undefined when the named conversation does not exist;
   * `TooManyRunsError` when the user already has `maxConcurrentRuns` running, `ConversationFullError` when the
   * turn would not fit. Nothing is written for a refused turn.
   *
   * The hot path of every chat: one statement checks and writes it all (its parts see one snapshot, and the
   * writes happen only when the checks pass). PGlite runs statements one at a time, so that is atomic there; on
   * PostgreSQL it runs behind a per-user lock, so the same user's simultaneous turns cannot share the last
   * run slot on any instance.
   */
  async beginTurn(turn: BeginTurn): Promise<Turn | undefined> {
    const newConversation = turn.conversationId === undefined;
    const conversationId = turn.conversationId ?? newId('conversation');
    const userMessageId = newId('message');
    const assistantMessageId = newId('message');
    const sql = `
      with checks as (
        select (select count(*)::int from runs where status = 'running' and user_id = $9) as running,
               (select count(*)::int from documents where user_id = $9) as documents,
               (select count(*)::int from conversations where id = $3 and user_id = $9) as found,
               (select count(*)::int from messages where conversation_id = $3) as messages
      ), ok as (
        select 1 from checks
        where running < $12 and ($11::boolean or (found = 1 and messages + 2 <= $13))
      ), new_conversation as (
        insert into conversations (id, title, user_id) select $3, $10, $9 from ok where $11::boolean
      ), touched as (
        update conversations set updated_at = now()
        where id = $3 and user_id = $9 and not $11::boolean and exists (select 1 from ok)
      ), turn_messages as (
        -- The user's message first, so it sorts first.
        insert into messages (id, conversation_id, role, content, status, model, run_id)
        select m.* from ok, (values
          ($1, $3, 'user', $4, 'complete', null, null),
          ($2, $3, 'assistant', '', 'streaming', $5, $6)
        ) as m (id, conversation_id, role, content, status, model, run_id)
      ), run as (
        insert into runs (id, conversation_id, message_id, status, instance_id, lease_until, user_id)
        select $6, $3, $2, 'running', $7, now() + make_interval(secs => $8), $9 from ok
      )
      select running, documents, found, messages from checks`;
    const params = [
      userMessageId,
      assistantMessageId,
      conversationId,
      turn.userText,
      turn.model,
      turn.runId,
      turn.instanceId,
      turn.leaseMs / 1000,
      turn.userId,
      titleFrom(turn.userText),
      newConversation,
      turn.maxConcurrentRuns,
      turn.maxMessages,
    ];
    type Checks = { running: number; documents: number; found: number; messages: number };
    const [checks] =
      this.db.engine === 'postgres'
        ? await this.db.transaction(async (tx) => {
            await lockUserTurns(tx, turn.userId);
            return tx.query<Checks>(sql, params);
          })
        : await this.db.query<Checks>(sql, params);
    if (!checks) throw new Error('the turn statement returned no row');
    // The same order as the statement's conditions: what refused the turn, nothing having been written.
    if (checks.running >= turn.maxConcurrentRuns) throw new TooManyRunsError(turn.maxConcurrentRuns);
    if (!newConversation && checks.found === 0) return undefined;
    if (!newConversation && checks.messages + 2 > turn.maxMessages)
      throw new ConversationFullError(turn.maxMessages);
    return {
      conversationId,
      userMessageId,
      assistantMessageId,
      newConversation,
      documentCount: checks.documents,
    };
  }

  /**
   * Answers the conversation's last user message again: the answer after it (finished, failed or cancelled)
   * is deleted and a new `streaming` one takes its place, with its run, in one transaction. Undefined when the
   * conversation does not exist; `RegenerationError` when its last answer is still being written or there is
   * no user message to answer; `TooManyRunsError` as for a turn. Nothing is written for a refused request.
   */
  async beginRegeneration(turn: BeginRegeneration): Promise<Turn | undefined> {
    return this.db.transaction(async (tx) => {
      const documentCount = await this.#reserveRun(tx, turn);
      const touched = await tx.query(
        'update conversations set updated_at = now() where id = $1 and user_id = $2 returning id',
        [turn.conversationId, turn.userId],
      );
      if (touched.length === 0) return undefined;
      const last = await tx.query<{ id: MessageId; role: MessageRole; status: MessageStatus }>(
        `select id, role, status from messages where conversation_id = $1 and role in ('user', 'assistant')
         order by seq desc limit 2`,
        [turn.conversationId],
      );
      const [newest, before] = last;
      if (newest?.role === 'assistant' && newest.status === 'streaming')
        throw new RegenerationError('answer_in_progress');
      const user = newest?.role === 'user' ? newest : before?.role === 'user' ? before : undefined;
      if (!user) throw new RegenerationError('nothing_to_regenerate');
      const assistantMessageId = newId('message');
      await tx.query(
        `with replaced as (
           delete from messages where conversation_id = $3 and role = 'assistant' and id = $7
         ), answer as (
           insert into messages (id, conversation_id, role, content, status, model, run_id)
           values ($1, $3, 'assistant', '', 'streaming', $2, $4)
         )
         insert into runs (id, conversation_id, message_id, status, instance_id, lease_until, user_id)
         values ($4, $3, $1, 'running', $5, now() + make_interval(secs => $6), $8)`,
        [
          assistantMessageId,
          turn.model,
          turn.conversationId,
          turn.runId,
          turn.instanceId,
          turn.leaseMs / 1000,
          newest?.role === 'assistant' ? newest.id : null,
          turn.userId,
        ],
      );
      return {
        conversationId: turn.conversationId,
        userMessageId: user.id,
        assistantMessageId,
        newConversation: false,
        documentCount,
      };
    });
  }

  /** The text of the conversation's last user message: what a regeneration answers again. */
  async lastUserText(userId: string, conversationId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ content: string }>(
      `select m.content from messages m join conversations c on c.id = m.conversation_id
       where c.id = $1 and c.user_id = $2 and m.role = 'user' order by m.seq desc limit 1`,
      [conversationId, userId],
    );
    return row?.content;
  }

  /**
   * Takes one of the user's run slots for the transaction's new run, or throws `TooManyRunsError`; returns
   * the user's document count, which decides whether the turn searches and rides along for free.
   */
  async #reserveRun(tx: Queryable, turn: { userId: string; maxConcurrentRuns: number }): Promise<number> {
    // The count below and the run inserted after it must not be raced by the same user's next request.
    // PGlite runs a transaction alone; on PostgreSQL one user's turns queue behind the lock.
    if (this.db.engine === 'postgres') await lockUserTurns(tx, turn.userId);
    const [counts] = await tx.query<{ running: number; documents: number }>(
      `select (select count(*)::int from runs where status = 'running' and user_id = $1) as running,
              (select count(*)::int from documents where user_id = $1) as documents`,
      [turn.userId],
    );
    if ((counts?.running ?? 0) >= turn.maxConcurrentRuns) throw new TooManyRunsError(turn.maxConcurrentRuns);
    return counts?.documents ?? 0;
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

  /** Saves the text generated so far, so a crash of this instance loses at most one interval of it. */
  async saveProgress(id: MessageId, content: string): Promise<void> {
    await this.db.query(
      `update messages set content = $2, updated_at = now() where id = $1 and status = 'streaming'`,
      [id, content],
    );
  }

  async finishMessage(
    id: MessageId,
    result: {
      content: string;
      status: Exclude<MessageStatus, 'streaming'>;
      usage: Usage;
      metrics: Metrics;
      components: ComponentState[];
      sources: Source[];
    },
  ): Promise<void> {
    await this.db.query(
      `update messages set content = $2, status = $3, usage = $4, metrics = $5, components = $6, sources = $7,
         updated_at = now()
       where id = $1`,
      [
        id,
        result.content,
        result.status,
        JSON.stringify(result.usage),
        JSON.stringify(result.metrics),
        JSON.stringify(result.components),
        JSON.stringify(result.sources),
      ],
    );
  }
}

/**
 * PostgreSQL: makes the same user's other turns (on any instance) wait until this transaction ends, so a
 * run-slot count and the run inserted after it cannot be raced.
 */
async function lockUserTurns(tx: Queryable, userId: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`turn:${userId}`]);
}

/** The first line of the first message, cut at a word boundary. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (line.length <= TITLE_CHARS) return line || 'New conversation';
  const cut = line.slice(0, TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export class InvalidCursorError extends Error {}

/** Why a conversation cannot be answered again now. */
export class RegenerationError extends Error {
  constructor(readonly code: 'answer_in_progress' | 'nothing_to_regenerate') {
    super(
      code === 'answer_in_progress'
        ? 'The last answer is still being generated: cancel it or wait for it to finish.'
        : 'The conversation has no user message to answer.',
    );
  }
}

/** The user already has as many answers running as one user may. */
export class TooManyRunsError extends Error {
  constructor(readonly max: number) {
    super(
      `You have ${max} answers running, the most one user may have at once. Wait for one to finish, or cancel one.`,
    );
  }
}

/** The conversation holds as many messages as it may. */
export class ConversationFullError extends Error {
  constructor(readonly max: number) {
    super(`This conversation holds the most messages allowed (${max}). Start a new conversation.`);
  }
}

function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(seq)) throw new InvalidCursorError('cursor is not one this server issued');
  return seq;
}

function required<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('insert returned no row');
  return row;
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
