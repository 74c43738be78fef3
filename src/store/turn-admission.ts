import type { ConversationId, MessageId, RunId } from '../protocol/index.js';

/** A turn asked for: a new user message, or a new answer to the conversation's last user message. */
export type TurnAdmission = {
  userId: string;
  runId: RunId;
  /** The model id stored on the assistant message. */
  model: string;
  /** The instance that will run it (`runs.instance_id`). */
  instanceId: string;
  /** The first lease: `runs.lease_until` is now plus this. */
  leaseMs: number;
  /** Running runs of this user on all instances; at or above it, the turn is refused. */
  maxConcurrentRuns: number;
  /** Messages a conversation may hold after the turn. */
  maxMessages: number;
  /**
   * A client's own id for the conversation (a Socket.IO `session_id`, an AI SDK chat id), linked to the
   * conversation in table `legacy_sessions` in the same statement when the turn is admitted (insert, or update on
   * conflict `(user_id, id)`); undefined: nothing linked.
   */
  sessionKey?: string;
} & (
  | {
      kind: 'message';
      text: string;
      /** Undefined: a new conversation, titled `titleFrom(text)`. */
      conversationId?: ConversationId;
    }
  | {
      /** Answer the conversation's last user message again, in place of the answer it has. */
      kind: 'regenerate';
      conversationId: ConversationId;
    }
);

/** An admitted turn: its messages are stored and its run row is `running`. */
export interface Turn {
  conversationId: ConversationId;
  userMessageId: MessageId;
  assistantMessageId: MessageId;
  /** The turn opened the conversation: its history is the user message alone (no query needed). */
  newConversation: boolean;
  /** The user's documents when the turn began: none, and a turn does not search unless asked to. */
  documentCount: number;
  /** The user message answered: the new one, or for a regeneration the last user message's content. */
  userText: string;
}

/** Why a turn was not admitted; the domain turns each into its error. */
export type TurnRefusal =
  | 'too_many_runs'
  | 'conversation_not_found'
  | 'conversation_full'
  | 'answer_in_progress'
  | 'nothing_to_regenerate';

export type AdmissionResult = { turn: Turn } | { refused: TurnRefusal };
