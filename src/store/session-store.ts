import type { ConversationId } from '../protocol/index.js';
import type { Database } from './database.js';

/**
 * Conversations named by a client's own key: a Socket.IO `session_id`, an AI SDK chat id. A key is the user's
 * own (another user's same key names another conversation) and goes with its conversation when that is deleted.
 * `TurnStore.admit` links a key in the same statement that admits the turn; this links one outside a turn.
 */
export class SessionStore {
  constructor(private readonly db: Database) {}

  /** The conversation a key continues; undefined for a key this server does not know. */
  async conversationFor(userId: string, key: string): Promise<ConversationId | undefined> {
    const [row] = await this.db.query<{ conversation_id: ConversationId }>(
      'select conversation_id from legacy_sessions where id = $1 and user_id = $2',
      [key, userId],
    );
    return row?.conversation_id;
  }

  /** Makes `key` name `conversationId` from now on. */
  async link(userId: string, key: string, conversationId: ConversationId): Promise<void> {
    await this.db.query(
      `insert into legacy_sessions (id, conversation_id, user_id) values ($1, $2, $3)
       on conflict (user_id, id) do update set conversation_id = excluded.conversation_id`,
      [key, conversationId, userId],
    );
  }
}
