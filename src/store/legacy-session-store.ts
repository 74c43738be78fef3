import type { ConversationId } from '../protocol/index.js';
import type { Database } from './database.js';

/**
 * The `session_id`s of clients written against the older Socket.IO chat API, each naming a conversation.
 * A session goes with its conversation when that is deleted.
 */
export class LegacySessionStore {
  constructor(private readonly db: Database) {}

  /** The conversation a session continues; undefined for a session this server does not know. */
  async conversationFor(userId: string, sessionId: string): Promise<ConversationId | undefined> {
    const [row] = await this.db.query<{ conversation_id: ConversationId }>(
      'select conversation_id from legacy_sessions where id = $1 and user_id = $2',
      [sessionId, userId],
    );
    return row?.conversation_id;
  }

  /** Makes `sessionId` name `conversationId` from now on. */
  async link(userId: string, sessionId: string, conversationId: ConversationId): Promise<void> {
    await this.db.query(
      `insert into legacy_sessions (id, conversation_id, user_id) values ($1, $2, $3)
       on conflict (user_id, id) do update set conversation_id = excluded.conversation_id`,
      [sessionId, conversationId, userId],
    );
  }
}
