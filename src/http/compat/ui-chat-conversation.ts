import type { ConversationId } from '../../protocol/index.js';
import type { ChatStore, LegacySessionStore } from '../../store/index.js';

/** Chat ids share the `legacy_sessions` table with Socket.IO session ids; the prefix keeps them apart. */
const CHAT_PREFIX = 'ui:';

/**
 * The conversation an AI SDK chat id continues: the conversation of that id when the user has one (a client
 * may use conversation ids as chat ids), else the one a first message under this chat id created; undefined
 * for a new chat.
 */
export async function findChatConversation(
  store: ChatStore,
  sessions: LegacySessionStore,
  userId: string,
  chatId: string,
): Promise<ConversationId | undefined> {
  if (await store.getConversation(userId, chatId)) return chatId as ConversationId;
  return sessions.conversationFor(userId, CHAT_PREFIX + chatId);
}

/** Makes `chatId` continue `conversationId` from now on (nothing to keep when they are the same id). */
export async function linkChatConversation(
  sessions: LegacySessionStore,
  userId: string,
  chatId: string,
  conversationId: ConversationId,
): Promise<void> {
  if (chatId !== conversationId) await sessions.link(userId, CHAT_PREFIX + chatId, conversationId);
}
