import type { ConversationId } from '../protocol/index.js';
import type { ConversationStore, SessionStore } from '../store/index.js';

/**
 * A client's own name for a conversation: the `session_id` of the earlier socket API (Socket.IO
 * `chat_stream` and `POST /api/chat/stream` share them), or the chat id of the AI SDK's `useChat`.
 */
export interface SessionRef {
  scope: 'socket' | 'chat';
  /** Undefined: a new conversation, whose own id the client uses from then on. */
  id?: string;
}

/** Chat ids share the sessions table with socket session ids; the prefix keeps them apart. */
const KEY_PREFIX: Record<SessionRef['scope'], string> = { socket: '', chat: 'ui:' };

/** How a client's session id names a conversation: directly, or through a link made on its first message. */
export class SessionLinks {
  constructor(
    private readonly conversations: ConversationStore,
    private readonly sessions: SessionStore,
  ) {}

  /**
   * The conversation a session continues: the user's conversation of that id (a client may use conversation
   * ids as session ids, and a new session's id is its conversation's), else the one linked to it; undefined
   * for a session this server does not know.
   */
  async find(userId: string, session: SessionRef): Promise<ConversationId | undefined> {
    if (session.id === undefined) return undefined;
    if (await this.conversations.get(userId, session.id)) return session.id as ConversationId;
    return this.sessions.conversationFor(userId, this.key(session.id, session.scope));
  }

  /** The key under which a new conversation is linked to the session id. */
  key(id: string, scope: SessionRef['scope']): string {
    return KEY_PREFIX[scope] + id;
  }
}
