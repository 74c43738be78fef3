import type {
  ComponentState,
  ConversationId,
  MessageId,
  MessageStatus,
  Metrics,
  Source,
  Usage,
} from '../protocol/index.js';
import type { Database } from './database.js';

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

/** The messages of conversations as an answer is written: its history, its progress, its end. */
export class MessageStore {
  constructor(private readonly db: Database) {}

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
   * Saves the text generated so far, so a crash of this instance loses at most one interval of it. Only while
   * the message is `streaming`: a save arriving after the answer ended must not overwrite it.
   */
  async saveProgress(id: MessageId, content: string): Promise<void> {
    await this.db.query(
      `update messages set content = $2, updated_at = now() where id = $1 and status = 'streaming'`,
      [id, content],
    );
  }

  /** Stores the answer's end: its final text, status, usage, metrics, components and sources. */
  async finish(id: MessageId, result: FinishedMessage): Promise<void> {
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
